/** createPipeline(): turns a checked config into middlewares, with per-tool overrides and shared stores. */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import {
  ConfigError,
  globToRegExp,
  type EventChannel,
  type Middleware,
  type ToolInfo,
} from '@mcp-middleware/core';
import { builtins } from './builtins.js';
import { ConfigFileError, formatPath, type ConfigProblem } from './errors.js';
import { deepMerge } from './merge.js';
import type { BuildContext, RegistryEntry, SharedStore, ThirdPartyModule } from './registry.js';
import type { McpMiddlewareConfig, PipelineEntry, ToolOverrides } from './validate.js';

/** Options of {@link createPipeline}. */
export interface CreatePipelineOptions {
  /** @default the built-in registry */
  readonly registry?: readonly RegistryEntry[];
  /** Creates a Redis client for a `redis` store. @default a new ioredis client for the URL */
  readonly redisClient?: (url: string) => unknown;
  /** Where `use:` module specifiers resolve from. @default process.cwd() */
  readonly cwd?: string;
  /** The prom-client Registry for `metrics` (e.g. the one a gateway serves on /metrics). @default a new one */
  readonly metricsRegistry?: unknown;
}

/** A built pipeline and what it holds open. */
export interface BuiltPipeline {
  readonly middlewares: Middleware[];
  /** For each middleware, in order: what a tool named `tool` gets (`rateLimit {"limit":10}` or `retry: off`). */
  describe(tool: string): string[];
  /** Closes shared stores (Redis connections). */
  close(): Promise<void>;
}

// More specific globs win: exact names over globs, fewer wildcards, then more literal characters.
function specificity(glob: string): [number, number, number] {
  const wild = (glob.match(/[*?]/g) ?? []).length;
  return [wild === 0 ? 1 : 0, -wild, glob.replace(/[*?]/g, '').length];
}

function compareSpecificity(a: string, b: string): number {
  const [x, y] = [specificity(a), specificity(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** The options a tool gets for one middleware: base merged with matching overrides, least specific first. */
function resolveFor(
  tool: string,
  name: string,
  base: Readonly<Record<string, unknown>>,
  overrides: readonly [string, RegExp, ToolOverrides][],
): { key: string; options: Record<string, unknown> | false } {
  let options = { ...base } as Record<string, unknown> | false;
  const applied: string[] = [];
  for (const [glob, re, settings] of overrides) {
    const setting = settings[name];
    if (setting === undefined || !re.test(tool)) continue;
    applied.push(glob);
    options =
      setting === false
        ? false
        : (deepMerge(options === false ? base : options, setting) as Record<string, unknown>);
  }
  return { key: applied.join('\u0000'), options };
}

function strip(message: string, factory: string): string {
  return message.startsWith(`${factory}: `) ? message.slice(factory.length + 2) : message;
}

/**
 * Builds the middlewares of `config`, outermost first. Factory errors come back as a ConfigFileError whose
 * paths point into the file (`pipeline[3].rateLimit.windowMs`, `tools["db_*"].rateLimit.limit`).
 */
export async function createPipeline(
  config: McpMiddlewareConfig,
  options: CreatePipelineOptions = {},
): Promise<BuiltPipeline> {
  const registry = new Map((options.registry ?? builtins).map((e) => [e.name, e]));
  const closers: (() => Promise<unknown>)[] = [];
  const stores = new Map<string, SharedStore>();
  const context: BuildContext = {
    metricsRegistry: options.metricsRegistry,
    store(name) {
      const found = stores.get(name);
      if (found === undefined)
        throw new ConfigError(
          'store',
          `no store named "${name}" under stores; declared: ${[...stores.keys()].join(', ') || 'none'}`,
        );
      return found;
    },
  };
  for (const [name, store] of Object.entries(config.stores)) {
    if (store.type === 'memory') {
      stores.set(name, { type: 'memory' });
      continue;
    }
    const client = options.redisClient?.(store.url) ?? (await defaultRedis(store.url));
    closers.push(() => (client as { quit(): Promise<unknown> }).quit().catch(() => undefined));
    stores.set(name, { type: 'redis', client, prefix: store.prefix ?? 'mcp-middleware:' });
  }

  const overrides: [string, RegExp, ToolOverrides][] = Object.entries(config.tools)
    .sort(([a], [b]) => compareSpecificity(a, b))
    .map(([glob, settings]) => [glob, globToRegExp(glob), settings]);

  const problems: ConfigProblem[] = [];
  const middlewares: Middleware[] = [];
  const describers: ((tool: string) => string)[] = [];

  for (const [index, entry] of config.pipeline.entries()) {
    const path = ['pipeline', index, entry.name];
    const build = async (
      opts: Record<string, unknown>,
      where: readonly PropertyKey[],
    ): Promise<Middleware | undefined> => {
      try {
        return await createOne(entry, opts, registry, context, options.cwd);
      } catch (error) {
        if (error instanceof ConfigError) {
          problems.push({
            path: `${formatPath(where)}.${error.path}`,
            message: strip(error.message, entry.name),
          });
          return undefined;
        }
        throw error;
      }
    };
    const base = await build({ ...entry.options }, path);
    const relevant = overrides.filter(([, , settings]) => settings[entry.name] !== undefined);
    // Check every override on its own now, so a bad per-tool value fails at load time, not at the first call.
    for (const [glob, , settings] of relevant) {
      const setting = settings[entry.name];
      if (setting !== false && setting !== undefined)
        await build(deepMerge(entry.options, setting) as Record<string, unknown>, [
          'tools',
          glob,
          entry.name,
        ]);
    }
    describers.push((tool) => {
      const { options: resolved } = resolveFor(tool, entry.name, entry.options, relevant);
      return resolved === false ? `${entry.name}: off` : `${entry.name} ${JSON.stringify(resolved)}`;
    });
    if (base === undefined) continue;
    if (relevant.length === 0) {
      middlewares.push(base);
      continue;
    }
    middlewares.push(
      perTool(entry, base, relevant, (opts) => createOne(entry, opts, registry, context, options.cwd)),
    );
  }
  if (problems.length > 0) {
    await Promise.all(closers.map((close) => close()));
    throw new ConfigFileError(problems, config.file);
  }
  return {
    middlewares,
    describe: (tool) => describers.map((d) => d(tool)),
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}

// Picks, per tool, the instance built from that tool's resolved options. Instances are built once per
// distinct set of matching globs and attached to the same channels as the dispatcher.
function perTool(
  entry: PipelineEntry,
  base: Middleware,
  overrides: readonly [string, RegExp, ToolOverrides][],
  create: (options: Record<string, unknown>) => Promise<Middleware>,
): Middleware {
  const channels: EventChannel[] = [];
  const byKey = new Map<string, Promise<Middleware | false>>([['', Promise.resolve(base)]]);
  const byTool = new WeakMap<ToolInfo, Promise<Middleware | false>>();
  const pick = (tool: ToolInfo): Promise<Middleware | false> => {
    let chosen = byTool.get(tool);
    if (chosen === undefined) {
      const { key, options } = resolveFor(tool.name, entry.name, entry.options, overrides);
      chosen = byKey.get(key);
      if (chosen === undefined) {
        chosen =
          options === false
            ? Promise.resolve(false as const)
            : create(options).then((mw) => {
                for (const channel of channels) mw.attach?.(channel);
                return mw;
              });
        byKey.set(key, chosen);
      }
      byTool.set(tool, chosen);
    }
    return chosen;
  };
  // After a tool's first call its instance is known, and later calls skip the await.
  const ready = new WeakMap<ToolInfo, Middleware | false>();
  const dispatcher: Middleware = function perToolSettings(ctx, next) {
    const known = ready.get(ctx.tool);
    if (known !== undefined) return known === false ? next(ctx) : known(ctx, next);
    return pick(ctx.tool).then((middleware) => {
      ready.set(ctx.tool, middleware);
      return middleware === false ? next(ctx) : middleware(ctx, next);
    });
  };
  dispatcher.attach = (channel) => {
    channels.push(channel);
    base.attach?.(channel);
  };
  return dispatcher;
}

async function createOne(
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
  const factory = mod.factory ?? mod.default;
  if (typeof factory !== 'function')
    throw new ConfigError(
      'use',
      `module "${entry.use}" exports no factory (export default or export const factory)`,
    );
  if (mod.schema !== undefined) {
    const parsed = mod.schema.safeParse(options);
    if (!parsed.success)
      throw new ConfigError(
        'options',
        `options for "${entry.use}" are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
  }
  return factory(options);
}

async function defaultRedis(url: string): Promise<unknown> {
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

/** Compares two tool-override globs by precedence (for `check` output and tests). */
export { compareSpecificity };
/** The path of a pipeline entry's options, e.g. `pipeline[2].retry`. */
export const entryPath = (index: number, name: string): string => formatPath(['pipeline', index, name]);
