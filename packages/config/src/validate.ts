/** Checks a parsed config against the registry, collecting every problem with its path and line. */
import { formatPath, type ConfigProblem } from './errors.js';
import { isPlainObject } from './merge.js';
import { secretKeysHidden, unknownKey, type Visibility } from './problems.js';
import type { RegistryEntry } from './registry.js';
import { pipelineOf, type CheckScope } from './validate-pipeline.js';
import { storesOf, toolsOf } from './validate-sections.js';

/** One checked pipeline entry. */
export interface PipelineEntry {
  /** The registry name, or the module specifier of a third-party middleware. */
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Set for `{ use: specifier }` entries. */
  readonly use?: string | undefined;
}

/** A store shared by middlewares. */
export type StoreConfig =
  | { readonly type: 'memory' }
  | { readonly type: 'redis'; readonly url: string; readonly prefix?: string | undefined };

/** Per-tool settings: for each middleware, options merged over the pipeline's, or `false` to turn it off. */
export type ToolOverrides = Readonly<Record<string, Readonly<Record<string, unknown>> | false>>;

/** Where the values of a loaded config came from, so errors and `check` can point at them without showing secrets. */
export interface ConfigSources {
  /** File name and line of each value, keyed by its formatted path (`pipeline[0].rateLimit.limit`). */
  readonly lines: ReadonlyMap<string, { readonly file: string; readonly line: number }>;
  /** Each value the environment filled in, as written in the file (`${API_KEY}`), keyed by formatted path. */
  readonly fromEnv: ReadonlyMap<string, string>;
}

/** A checked config. */
export interface McpMiddlewareConfig {
  readonly pipeline: readonly PipelineEntry[];
  /** Keyed by a tool selector: a name, a glob (`db_*`), a negation, a list or annotations (see tool-keys.ts). */
  readonly tools: Readonly<Record<string, ToolOverrides>>;
  readonly stores: Readonly<Record<string, StoreConfig>>;
  /** The file it came from, if any. */
  readonly file?: string | undefined;
  /** Set by loadConfig: lines and environment variables behind the values. */
  readonly sources?: ConfigSources | undefined;
}

const ROOT_KEYS = ['$schema', 'pipeline', 'tools', 'stores'];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function checkKeys(value: unknown, path: PropertyKey[], problems: ConfigProblem[]): void {
  if (Array.isArray(value)) value.forEach((item, i) => checkKeys(item, [...path, i], problems));
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key))
        problems.push({ path: formatPath([...path, key]), message: `the key "${key}" is not allowed` });
      else checkKeys(item, [...path, key], problems);
    }
  }
}

/** Checks `raw` (already interpolated) and returns the config, or the problems found. */
export function validateConfig(
  raw: unknown,
  registry: ReadonlyMap<string, RegistryEntry>,
  visibility: Visibility = secretKeysHidden,
): { config?: McpMiddlewareConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  checkKeys(raw, [], problems);
  if (!isPlainObject(raw))
    return {
      problems: [
        { path: '', message: `expected an object with a pipeline, got ${visibility.describe([], raw)}` },
      ],
    };
  for (const key of Object.keys(raw))
    if (!ROOT_KEYS.includes(key))
      problems.push({ path: formatPath([key]), message: unknownKey('unknown key', key, ROOT_KEYS) });
  const scope: CheckScope = { registry, problems, visibility };
  const pipeline = pipelineOf(raw.pipeline, scope);
  const stores = storesOf(raw.stores, scope);
  const tools = toolsOf(raw.tools, new Set(pipeline.map((e) => e.name)), scope);
  return problems.length > 0 ? { problems } : { config: { pipeline, tools, stores }, problems };
}
