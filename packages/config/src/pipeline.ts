/** createPipeline(): turns a checked config into middlewares, with per-tool overrides and shared stores. */
import {
  attachOnce,
  ConfigError,
  MiddlewareError,
  type EventChannel,
  type GlobPattern,
  type Middleware,
  type ToolInfo,
} from '@mcp-middleware/core';
import { globToRegExp } from '@mcp-middleware/core/helpers';
import { builtins } from './builtins.js';
import { createOne, defaultRedis, isConfigError, thrownBy } from './create-one.js';
import { ConfigFileError, formatPath, type ConfigProblem } from './errors.js';
import { deepMerge } from './merge.js';
import { locate } from './load.js';
import type { BuildContext, RegistryEntry, SharedStore } from './registry.js';
import { displayCopy, scrub, sensitiveStrings } from './secrets.js';
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

type Override = readonly [glob: string, re: GlobPattern, settings: ToolOverrides];

/**
 * The overrides that apply to a tool, least specific first (`overrides` comes sorted). Exact names sort
 * last and are looked up rather than matched, so 40 000 tool keys cost one lookup per tool, not 40 000.
 */
function applicable(overrides: readonly Override[]): (tool: string) => Override[] {
  const globs = overrides.filter(([glob]) => /[*?]/.test(glob));
  const exact = new Map(overrides.filter(([glob]) => !/[*?]/.test(glob)).map((o) => [o[0], o]));
  return (tool) => {
    const out = globs.filter(([, re]) => re.test(tool));
    const named = exact.get(tool);
    if (named !== undefined) out.push(named);
    return out;
  };
}

/** The options a tool gets for one middleware: base merged with matching overrides, least specific first. */
function resolveFor(
  tool: string,
  name: string,
  base: Readonly<Record<string, unknown>>,
  matching: (tool: string) => readonly Override[],
): { key: string; options: Record<string, unknown> | false } {
  let options = { ...base } as Record<string, unknown> | false;
  const applied: string[] = [];
  for (const [glob, , settings] of matching(tool)) {
    const setting = settings[name];
    if (setting === undefined) continue;
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

// Where an entry's options sit in the file: `pipeline[2].retry` or, for `use:`, `pipeline[2].options`.
const optionsPath = (index: number, entry: PipelineEntry): PropertyKey[] =>
  entry.use === undefined ? ['pipeline', index, entry.name] : ['pipeline', index, 'options'];

/**
 * Builds the middlewares of `config`, outermost first. Factory errors come back as a ConfigFileError whose
 * paths point into the file (`pipeline[3].rateLimit.windowMs`, `tools["db_*"].rateLimit.limit`).
 */
export async function createPipeline(
  config: McpMiddlewareConfig,
  options: CreatePipelineOptions = {},
): Promise<BuiltPipeline> {
  const registry = new Map((options.registry ?? builtins).map((e) => [e.name, e]));
  const fromEnv = config.sources?.fromEnv ?? new Map<string, string>();
  // Texts written by factories are not ours: they may quote an option, so scrub every sensitive value.
  const secrets = new Set<string>();
  for (const [index, entry] of config.pipeline.entries())
    sensitiveStrings(entry.options, optionsPath(index, entry), fromEnv, formatPath, secrets);
  for (const [glob, settings] of Object.entries(config.tools))
    sensitiveStrings(settings, ['tools', glob], fromEnv, formatPath, secrets);
  for (const [name, store] of Object.entries(config.stores))
    sensitiveStrings(store, ['stores', name], fromEnv, formatPath, secrets);
  const problems: ConfigProblem[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const fail = async (): Promise<never> => {
    await Promise.all(closers.map((close) => close()));
    const lines = config.sources?.lines ?? new Map<string, { file: string; line: number }>();
    throw new ConfigFileError(
      problems.map((p) => {
        const found = locate(lines, p.path);
        const message = scrub(p.message, secrets);
        return found === undefined
          ? { ...p, message }
          : { ...p, message, file: found.file, line: found.line };
      }),
      config.file,
    );
  };
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
    let client: unknown;
    try {
      client = options.redisClient?.(store.url) ?? (await defaultRedis(store.url));
    } catch (error) {
      const reason = isConfigError(error) ? error : thrownBy('the Redis client factory', error);
      problems.push({ path: formatPath(['stores', name, 'url']), message: reason.message });
      continue;
    }
    closers.push(async () => {
      try {
        await (client as { quit(): Promise<unknown> }).quit();
      } catch {
        // a client that cannot quit has nothing left to close
      }
    });
    stores.set(name, { type: 'redis', client, prefix: store.prefix ?? 'mcp-middleware:' });
  }
  if (problems.length > 0) return fail();

  const overrides: Override[] = Object.entries(config.tools)
    .sort(([a], [b]) => compareSpecificity(a, b))
    .map(([glob, settings]) => [glob, globToRegExp(glob), settings]);

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
        // A ConfigError names the option; anything else is a bug in a factory, named but never a crash.
        const reason = isConfigError(error)
          ? error
          : thrownBy(`the factory of ${entry.use ?? entry.name}`, error);
        problems.push({
          path: reason.path === '' ? formatPath(where) : `${formatPath(where)}.${reason.path}`,
          message: strip(reason.message, entry.name),
        });
        return undefined;
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
    // `check` prints these: values from the environment as written, secret-like keys hidden.
    const shownBase = displayCopy(entry.options, optionsPath(index, entry), fromEnv, formatPath) as Record<
      string,
      unknown
    >;
    const shown = relevant.map(([glob, re, settings]): Override => [
      glob,
      re,
      {
        [entry.name]: displayCopy(settings[entry.name], ['tools', glob, entry.name], fromEnv, formatPath),
      } as ToolOverrides,
    ]);
    const shownMatching = applicable(shown);
    describers.push((tool) => {
      const { options: resolved } = resolveFor(tool, entry.name, shownBase, shownMatching);
      return resolved === false ? `${entry.name}: off` : `${entry.name} ${JSON.stringify(resolved)}`;
    });
    if (base === undefined) continue;
    if (relevant.length === 0) {
      middlewares.push(base);
      continue;
    }
    middlewares.push(
      perTool(entry, base, relevant, async (opts, tool) => {
        try {
          return await createOne(entry, opts, registry, context, options.cwd);
        } catch (error) {
          // Globs checked one by one at load time can still clash together; the message reaches a client.
          const reason = isConfigError(error) ? error : thrownBy(`the factory of ${entry.name}`, error);
          throw new MiddlewareError(
            'INTERNAL',
            scrub(
              `the per-tool settings of ${entry.name} for tool "${tool}" are invalid together: ${strip(reason.message, entry.name)}`,
              secrets,
            ),
            { cause: error, retryable: false },
          );
        }
      }),
    );
  }
  if (problems.length > 0) return fail();
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
  overrides: readonly Override[],
  create: (options: Record<string, unknown>, tool: string) => Promise<Middleware>,
): Middleware {
  const channels: EventChannel[] = [];
  const matching = applicable(overrides);
  const byKey = new Map<string, Promise<Middleware | false>>([['', Promise.resolve(base)]]);
  const byTool = new WeakMap<ToolInfo, Promise<Middleware | false>>();
  const pick = (tool: ToolInfo): Promise<Middleware | false> => {
    let chosen = byTool.get(tool);
    if (chosen === undefined) {
      const { key, options } = resolveFor(tool.name, entry.name, entry.options, matching);
      chosen = byKey.get(key);
      if (chosen === undefined) {
        chosen =
          options === false
            ? Promise.resolve(false as const)
            : create(options, tool.name).then((mw) => {
                for (const channel of channels) attachOnce(mw, channel);
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
    attachOnce(base, channel);
  };
  // Per-tool settings shape tool calls; every other request (lists, reads, gets) takes the pipeline's
  // own settings, so an override never drops auth's guard or a read's retry.
  dispatcher.requests = base.requests;
  return dispatcher;
}

/** Compares two tool-override globs by precedence (for `check` output and tests). */
export { compareSpecificity };
/** The path of a pipeline entry's options, e.g. `pipeline[2].retry`. */
export const entryPath = (index: number, name: string): string => formatPath(['pipeline', index, name]);
