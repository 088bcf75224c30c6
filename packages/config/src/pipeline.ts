/** createPipeline(): turns a checked config into middlewares, with per-tool overrides and shared stores. */
import type { Middleware, ToolInfo } from '@mcp-middleware/core';
import { builtins } from './builtins.js';
import { EntryBuilder, optionsPath, type BuiltEntry } from './entry-builder.js';
import { ConfigFileError, formatPath, type ConfigProblem } from './errors.js';
import { locate } from './load.js';
import type { RegistryEntry } from './registry.js';
import { scrub, sensitiveStrings } from './secrets.js';
import { SharedStores, type RedisClientFactory } from './shared-stores.js';
import { sortedOverrides } from './tool-overrides.js';
import type { McpMiddlewareConfig } from './validate.js';

/** Options of {@link createPipeline}. */
export interface CreatePipelineOptions {
  /** @default the built-in registry */
  readonly registry?: readonly RegistryEntry[];
  /** Creates a Redis client for a `redis` store. @default a new ioredis client for the URL */
  readonly redisClient?: RedisClientFactory;
  /** Where `use:` module specifiers resolve from. @default process.cwd() */
  readonly cwd?: string;
  /** The prom-client Registry for `metrics` (e.g. the one a gateway serves on /metrics). @default a new one */
  readonly metricsRegistry?: unknown;
}

/** A built pipeline and what it holds open. */
export interface BuiltPipeline {
  readonly middlewares: Middleware[];
  /**
   * For each middleware, in order: what `tool` gets (`rateLimit {"limit":10}` or `retry: off`). A name stands
   * for a tool without annotations; pass the tool itself for annotation keys to apply.
   */
  describe(tool: string | ToolInfo): string[];
  /** Closes shared stores (Redis connections). */
  close(): Promise<void>;
}

// Texts written by factories are not ours: they may quote an option, so scrub every sensitive value.
function secretsOf(config: McpMiddlewareConfig, fromEnv: ReadonlyMap<string, string>): Set<string> {
  const secrets = new Set<string>();
  for (const [index, entry] of config.pipeline.entries())
    sensitiveStrings(entry.options, optionsPath(index, entry), fromEnv, formatPath, secrets);
  for (const [key, settings] of Object.entries(config.tools))
    sensitiveStrings(settings, ['tools', key], fromEnv, formatPath, secrets);
  for (const [name, store] of Object.entries(config.stores))
    sensitiveStrings(store, ['stores', name], fromEnv, formatPath, secrets);
  return secrets;
}

/** The problems as the file's error: each with its file and line where known, scrubbed of secrets. */
function fileError(
  config: McpMiddlewareConfig,
  problems: readonly ConfigProblem[],
  secrets: ReadonlySet<string>,
): ConfigFileError {
  const lines = config.sources?.lines ?? new Map<string, { file: string; line: number }>();
  return new ConfigFileError(
    problems.map((p) => {
      const found = locate(lines, p.path);
      const message = scrub(p.message, secrets);
      return found === undefined ? { ...p, message } : { ...p, message, file: found.file, line: found.line };
    }),
    config.file,
  );
}

/**
 * Builds the middlewares of `config`, outermost first. Factory errors come back as a ConfigFileError whose
 * paths point into the file (`pipeline[3].rateLimit.windowMs`, `tools["db_*"].rateLimit.limit`).
 */
export async function createPipeline(
  config: McpMiddlewareConfig,
  options: CreatePipelineOptions = {},
): Promise<BuiltPipeline> {
  const fromEnv = config.sources?.fromEnv ?? new Map<string, string>();
  const secrets = secretsOf(config, fromEnv);
  const problems: ConfigProblem[] = [];
  // Keys are checked before any store connects, so a refused file opens nothing.
  const overrides = sortedOverrides(config.tools, problems);
  if (problems.length > 0) throw fileError(config, problems, secrets);
  const stores = await SharedStores.open(config.stores, options.redisClient, problems);
  const fail = async (): Promise<never> => {
    await stores.close();
    throw fileError(config, problems, secrets);
  };
  if (problems.length > 0) return fail();
  const builder = new EntryBuilder({
    registry: new Map((options.registry ?? builtins).map((e) => [e.name, e])),
    context: stores.context(options.metricsRegistry),
    cwd: options.cwd,
    secrets,
    fromEnv,
    problems,
  });
  const entries: BuiltEntry[] = [];
  for (const [index, entry] of config.pipeline.entries())
    entries.push(await builder.build(index, entry, overrides));
  if (problems.length > 0) return fail();
  return {
    middlewares: entries.flatMap(({ middleware }) => (middleware === undefined ? [] : [middleware])),
    describe: (tool) => {
      const info: ToolInfo = typeof tool === 'string' ? { name: tool } : tool;
      return entries.map((entry) => entry.describe(info));
    },
    close: () => stores.close(),
  };
}

/** Compares two `tools:` keys by precedence (for `check` output and tests). */
export { compareSpecificity } from './tool-keys.js';
