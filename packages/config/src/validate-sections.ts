/** Checks the `stores:` and `tools:` sections of a file. */
import { didYouMean } from '@mcp-middleware/core';
import type { z } from 'zod/v4';
import { formatPath } from './errors.js';
import { isConfigError } from './create-one.js';
import { isPlainObject } from './merge.js';
import { problemsFromZod, safeParse } from './problems.js';
import type { RegistryEntry } from './registry.js';
import { parseToolKey } from './tool-keys.js';
import type { CheckScope } from './validate-pipeline.js';
import type { StoreConfig, ToolOverrides } from './validate.js';

const REDIS_KEYS = ['type', 'url', 'prefix'];

function redisStore(name: string, store: Record<string, unknown>, scope: CheckScope): StoreConfig {
  const { problems, visibility } = scope;
  const path = formatPath(['stores', name]);
  const at = (key: string): PropertyKey[] => ['stores', name, key];
  if (typeof store.url !== 'string' || !/^rediss?:\/\//.test(store.url))
    problems.push({
      path: `${path}.url`,
      message: `expected a redis:// or rediss:// URL, got ${visibility.describe(at('url'), store.url)}`,
    });
  if (store.prefix !== undefined && typeof store.prefix !== 'string')
    problems.push({
      path: `${path}.prefix`,
      message: `expected a string, got ${visibility.describe(at('prefix'), store.prefix)}`,
    });
  for (const key of Object.keys(store))
    if (!REDIS_KEYS.includes(key))
      problems.push({ path: `${path}.${key}`, message: `unknown option; known: ${REDIS_KEYS.join(', ')}` });
  return {
    type: 'redis',
    url: String(store.url),
    prefix: typeof store.prefix === 'string' ? store.prefix : undefined,
  };
}

/** The checked `stores:` section (`raw` may be missing). */
export function storesOf(raw: unknown, scope: CheckScope): Record<string, StoreConfig> {
  const { problems, visibility } = scope;
  const stores: Record<string, StoreConfig> = {};
  const section = raw ?? {};
  if (!isPlainObject(section)) {
    problems.push({
      path: 'stores',
      message: `expected an object of named stores, got ${visibility.describe(['stores'], section)}`,
    });
    return stores;
  }
  for (const [name, store] of Object.entries(section)) {
    if (isPlainObject(store) && store.type === 'redis') stores[name] = redisStore(name, store, scope);
    else if (isPlainObject(store) && store.type === 'memory') stores[name] = { type: 'memory' };
    else
      problems.push({
        path: `${formatPath(['stores', name])}.type`,
        message: `expected "memory" or "redis", got ${isPlainObject(store) ? visibility.describe(['stores', name, 'type'], store.type) : visibility.describe(['stores', name], store)}`,
      });
  }
  return stores;
}

/** Checks one `tools:` key's settings against the partial schemas of middlewares in the pipeline. */
class ToolSettingsChecker {
  // Building a partial schema costs far more than checking with it: once per middleware, not per tool key.
  readonly #partials = new Map<RegistryEntry, z.ZodObject>();

  constructor(
    readonly scope: CheckScope,
    readonly inPipeline: ReadonlySet<string>,
  ) {}

  check(key: string, settings: Record<string, unknown>): ToolOverrides {
    const checked: Record<string, Record<string, unknown> | false> = {};
    for (const [name, options] of Object.entries(settings)) {
      const path = ['tools', key, name];
      const entry = this.scope.registry.get(name);
      if (entry === undefined || !this.inPipeline.has(name)) {
        this.#notInPipeline(path, name, entry === undefined);
        continue;
      }
      if (options === false) {
        checked[name] = false;
        continue;
      }
      let partial = this.#partials.get(entry);
      if (partial === undefined) this.#partials.set(entry, (partial = entry.schema.partial()));
      const parsed = safeParse(partial, options ?? {}, path, this.scope.problems);
      if (parsed === undefined) continue;
      if (parsed.success) checked[name] = parsed.data as Record<string, unknown>;
      else
        this.scope.problems.push(
          ...problemsFromZod(parsed.error, partial, path, options, this.scope.visibility),
        );
    }
    return checked;
  }

  #notInPipeline(path: readonly PropertyKey[], name: string, unknown: boolean): void {
    const guess = didYouMean(name, [...this.inPipeline]);
    this.scope.problems.push({
      path: formatPath(path),
      message: `${unknown ? 'unknown middleware' : `${name} is not in the pipeline; add it there to set it per tool`}${guess === undefined || guess === name ? '' : ` (did you mean ${guess}?)`}`,
    });
  }
}

// A key that is not a selector is a problem at its path, saying how to write one.
function keyProblem(key: string, scope: CheckScope): boolean {
  try {
    parseToolKey(key);
    return false;
  } catch (error) {
    if (!isConfigError(error)) throw error;
    scope.problems.push({ path: error.path, message: error.message });
    return true;
  }
}

/** The checked `tools:` section (`raw` may be missing); settings may name only middlewares in the pipeline. */
export function toolsOf(
  raw: unknown,
  inPipeline: ReadonlySet<string>,
  scope: CheckScope,
): Record<string, ToolOverrides> {
  const tools: Record<string, ToolOverrides> = {};
  const section = raw ?? {};
  if (!isPlainObject(section)) {
    scope.problems.push({
      path: 'tools',
      message: `expected an object keyed by tool name, glob or annotations, got ${scope.visibility.describe(['tools'], section)}`,
    });
    return tools;
  }
  const checker = new ToolSettingsChecker(scope, inPipeline);
  for (const [key, settings] of Object.entries(section)) {
    const path = ['tools', key];
    if (keyProblem(key, scope)) continue;
    if (!isPlainObject(settings)) {
      scope.problems.push({
        path: formatPath(path),
        message: `expected an object of middleware settings, got ${scope.visibility.describe(path, settings)}`,
      });
      continue;
    }
    tools[key] = checker.check(key, settings);
  }
  return tools;
}
