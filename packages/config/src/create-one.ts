/** Builds one middleware from user code (a `use:` module, a registry entry); whatever it throws becomes a ConfigError naming it. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod/v4';
import { ConfigError, type Middleware } from '@mcp-middleware/core';
import type { BuildContext, RegistryEntry, ThirdPartyModule } from './registry.js';
import { errorName } from './problems.js';
import type { PipelineEntry } from './validate.js';

/** `error instanceof ConfigError`, false where `instanceof` itself throws (a revoked Proxy, which user code can throw). */
export function isConfigError(error: unknown): error is ConfigError {
  try {
    return error instanceof ConfigError;
  } catch {
    return false;
  }
}

/** What a user callback (a `use:` factory, a custom registry's `create`, `redisClient`) threw, as a ConfigError. */
export function thrownBy(what: string, error: unknown): ConfigError {
  let detail: string;
  try {
    detail = error instanceof Error ? `${error.name}: ${error.message}` : errorName(error);
  } catch {
    detail = 'an unreadable value';
  }
  return new ConfigError('', `${what} threw ${detail.length > 200 ? `${detail.slice(0, 200)}…` : detail}`, {
    cause: error,
  });
}

/** Builds `entry` with `options`; every failure is a ConfigError. */
export async function createOne(
  entry: PipelineEntry,
  options: Record<string, unknown>,
  registry: ReadonlyMap<string, RegistryEntry>,
  context: BuildContext,
  cwd: string | undefined,
): Promise<Middleware> {
  if (entry.use === undefined) return (registry.get(entry.name) as RegistryEntry).create(options, context);
  const specifier = entry.use.startsWith('.')
    ? pathToFileURL(resolve(cwd ?? process.cwd(), entry.use)).href
    : entry.use;
  let mod: ThirdPartyModule;
  try {
    mod = (await import(specifier)) as ThirdPartyModule;
  } catch (error) {
    throw new ConfigError(
      'use',
      `cannot load middleware module "${entry.use}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  let factory: unknown;
  try {
    factory = mod.factory ?? mod.default;
  } catch (error) {
    throw thrownBy(`reading the exports of "${entry.use}"`, error);
  }
  if (typeof factory !== 'function')
    throw new ConfigError(
      'use',
      `module "${entry.use}" exports no factory (export default or export const factory)`,
    );
  if (mod.schema !== undefined) {
    let parsed: ReturnType<z.ZodType['safeParse']>;
    try {
      parsed = mod.schema.safeParse(options);
    } catch (error) {
      throw thrownBy(`the option schema of "${entry.use}"`, error);
    }
    if (!parsed.success)
      throw new ConfigError(
        'options',
        `options for "${entry.use}" are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
  }
  let middleware: unknown;
  try {
    middleware = await (factory as (options: unknown) => unknown)(options);
  } catch (error) {
    throw isConfigError(error) ? error : thrownBy(`the factory of "${entry.use}"`, error);
  }
  if (typeof middleware !== 'function')
    throw new ConfigError(
      'use',
      `the factory of "${entry.use}" returned ${errorName(middleware)}, not a middleware function`,
    );
  return middleware as Middleware;
}

/** A new ioredis client for `url`. */
export async function defaultRedis(url: string): Promise<unknown> {
  let Redis: typeof import('ioredis').Redis;
  try {
    ({ Redis } = await import('ioredis'));
  } catch (error) {
    throw new ConfigError(
      'stores',
      'a redis store needs the ioredis package; install it next to @mcp-middleware/config',
      {
        cause: error,
      },
    );
  }
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
}
