/** Checks a parsed config against the registry, collecting every problem with its path and line. */
import { didYouMean } from '@mcp-middleware/core';
import type { z } from 'zod/v4';
import { describeInput, formatPath, type ConfigProblem } from './errors.js';
import { isPlainObject } from './merge.js';
import type { RegistryEntry } from './registry.js';
import { describeHidden, isSecretKey } from './secrets.js';
import { keysAt } from './zod-fence.js';

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
  /** Keyed by tool name or glob (`db_*`). */
  readonly tools: Readonly<Record<string, ToolOverrides>>;
  readonly stores: Readonly<Record<string, StoreConfig>>;
  /** The file it came from, if any. */
  readonly file?: string | undefined;
  /** Set by loadConfig: lines and environment variables behind the values. */
  readonly sources?: ConfigSources | undefined;
}

const ROOT_KEYS = ['$schema', 'pipeline', 'tools', 'stores'];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** How problems show the value at a path: never one from the environment or under a secret-like key. */
export interface Visibility {
  /** True when the value at `path` must not be shown. */
  hidden(path: readonly PropertyKey[]): boolean;
  /** "got …" text for the value at `path`. */
  describe(path: readonly PropertyKey[], value: unknown): string;
}

/** Hides values under secret-like keys; knows nothing of the environment. */
export const secretKeysHidden: Visibility = {
  hidden: (path) => path.some(isSecretKey),
  describe: (path, value) =>
    path.some(isSecretKey) ? describeHidden(value, undefined) : describeInput(value),
};

/** Turns zod issues for the value at `prefix` into problems. */
export function problemsFromZod(
  error: z.ZodError,
  schema: z.ZodType,
  prefix: readonly PropertyKey[],
  input: unknown,
  visibility: Visibility = secretKeysHidden,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        problems.push({
          path: formatPath([...path, key]),
          message: `unknown option${guess === undefined ? '' : ` (did you mean ${guess}?)`}; known: ${known.join(', ')}`,
        });
      }
      continue;
    }
    const message = issue.message.replace(/^Invalid input: /, '');
    problems.push({
      path: formatPath(path),
      message: `${message}, got ${visibility.describe(path, valueAt(input, issue.path))}`,
    });
  }
  return problems;
}

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

function entryOf(
  raw: unknown,
  index: number,
  registry: ReadonlyMap<string, RegistryEntry>,
  problems: ConfigProblem[],
  visibility: Visibility,
): PipelineEntry | undefined {
  const path = ['pipeline', index];
  const names = [...registry.keys()];
  if (typeof raw === 'string' && !registry.has(raw) && visibility.hidden(path)) {
    problems.push({
      path: formatPath(path),
      message: `expected a middleware name (one of ${names.join(', ')}), got ${visibility.describe(path, raw)}`,
    });
    return undefined;
  }
  if (typeof raw === 'string') raw = { [raw]: {} };
  if (!isPlainObject(raw)) {
    problems.push({
      path: formatPath(path),
      message: `expected a middleware such as { rateLimit: { … } }, got ${visibility.describe(path, raw)}`,
    });
    return undefined;
  }
  if ('use' in raw) {
    const { use, options = {}, ...rest } = raw;
    if (typeof use !== 'string' || use === '') {
      problems.push({
        path: formatPath([...path, 'use']),
        message: `expected a module specifier, got ${visibility.describe([...path, 'use'], use)}`,
      });
    }
    for (const key of Object.keys(rest))
      problems.push({
        path: formatPath([...path, key]),
        message: 'unknown key beside use; known: use, options',
      });
    if (!isPlainObject(options))
      problems.push({
        path: formatPath([...path, 'options']),
        message: `expected an object, got ${visibility.describe([...path, 'options'], options)}`,
      });
    return { name: String(use), use: String(use), options: isPlainObject(options) ? options : {} };
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1) {
    problems.push({
      path: formatPath(path),
      message: `expected exactly one middleware name as key, got ${keys.length === 0 ? 'none' : keys.join(', ')}`,
    });
    return undefined;
  }
  const name = keys[0] as string;
  const entry = registry.get(name);
  if (entry === undefined) {
    const guess = didYouMean(name, names);
    problems.push({
      path: formatPath([...path, name]),
      message: `unknown middleware${guess === undefined ? '' : ` (did you mean ${guess}?)`}; known: ${names.join(', ')}, or { use: "module" }`,
    });
    return undefined;
  }
  let options = raw[name] ?? {};
  if (options === true) options = {};
  const parsed = safeParse(entry.schema, options, [...path, name], problems);
  if (parsed === undefined) return undefined;
  if (!parsed.success) {
    problems.push(...problemsFromZod(parsed.error, entry.schema, [...path, name], options, visibility));
    return undefined;
  }
  const checked = parsed.data as Record<string, unknown>;
  const crossed = entry.crossCheck?.(checked) ?? [];
  for (const { key, message } of crossed)
    problems.push({
      path: formatPath([...path, name, key]),
      message: `${message}, got ${visibility.describe([...path, name, key], checked[key])}`,
    });
  return crossed.length > 0 ? undefined : { name, options: checked };
}

// A registry entry's schema is the user's code when the registry is: a refinement that throws is a problem
// naming the middleware, never a crash.
function safeParse(
  schema: z.ZodType,
  value: unknown,
  path: readonly PropertyKey[],
  problems: ConfigProblem[],
): ReturnType<z.ZodType['safeParse']> | undefined {
  try {
    return schema.safeParse(value);
  } catch (error) {
    problems.push({
      path: formatPath(path),
      message: `the option schema of this middleware threw while checking: ${errorName(error)}`,
    });
    return undefined;
  }
}

/** The name of a thrown value, never its message (which may quote a secret). */
export function errorName(error: unknown): string {
  try {
    return error instanceof Error ? error.name : typeof error;
  } catch {
    return 'an unreadable value';
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
  for (const key of Object.keys(raw)) {
    if (!ROOT_KEYS.includes(key)) {
      const guess = didYouMean(key, ROOT_KEYS);
      problems.push({
        path: formatPath([key]),
        message: `unknown key${guess === undefined ? '' : ` (did you mean ${guess}?)`}; known: ${ROOT_KEYS.join(', ')}`,
      });
    }
  }
  const pipeline: PipelineEntry[] = [];
  if (!Array.isArray(raw.pipeline)) {
    problems.push({
      path: 'pipeline',
      message: `expected a list of middlewares (outermost first), got ${visibility.describe(['pipeline'], raw.pipeline)}`,
    });
  } else {
    raw.pipeline.forEach((item, i) => {
      const entry = entryOf(item, i, registry, problems, visibility);
      if (entry !== undefined) pipeline.push(entry);
    });
  }
  const inPipeline = new Set(pipeline.map((e) => e.name));

  const stores: Record<string, StoreConfig> = {};
  const rawStores = raw.stores ?? {};
  if (!isPlainObject(rawStores))
    problems.push({
      path: 'stores',
      message: `expected an object of named stores, got ${visibility.describe(['stores'], rawStores)}`,
    });
  else {
    for (const [name, store] of Object.entries(rawStores)) {
      const path = formatPath(['stores', name]);
      const at = (key: string): PropertyKey[] => ['stores', name, key];
      if (!isPlainObject(store) || (store.type !== 'memory' && store.type !== 'redis')) {
        problems.push({
          path: `${path}.type`,
          message: `expected "memory" or "redis", got ${isPlainObject(store) ? visibility.describe(at('type'), store.type) : visibility.describe(['stores', name], store)}`,
        });
      } else if (store.type === 'redis') {
        if (typeof store.url !== 'string' || !/^rediss?:\/\//.test(store.url)) {
          problems.push({
            path: `${path}.url`,
            message: `expected a redis:// or rediss:// URL, got ${visibility.describe(at('url'), store.url)}`,
          });
        }
        if (store.prefix !== undefined && typeof store.prefix !== 'string') {
          problems.push({
            path: `${path}.prefix`,
            message: `expected a string, got ${visibility.describe(at('prefix'), store.prefix)}`,
          });
        }
        for (const key of Object.keys(store)) {
          if (!['type', 'url', 'prefix'].includes(key))
            problems.push({ path: `${path}.${key}`, message: 'unknown option; known: type, url, prefix' });
        }
        stores[name] = {
          type: 'redis',
          url: String(store.url),
          prefix: typeof store.prefix === 'string' ? store.prefix : undefined,
        };
      } else stores[name] = { type: 'memory' };
    }
  }

  const tools: Record<string, ToolOverrides> = {};
  // Building a partial schema costs far more than checking with it: once per middleware, not per tool key.
  const partials = new Map<RegistryEntry, z.ZodObject>();
  const rawTools = raw.tools ?? {};
  if (!isPlainObject(rawTools))
    problems.push({
      path: 'tools',
      message: `expected an object keyed by tool name or glob, got ${visibility.describe(['tools'], rawTools)}`,
    });
  else {
    for (const [glob, overrides] of Object.entries(rawTools)) {
      const path = ['tools', glob];
      if (!isPlainObject(overrides)) {
        problems.push({
          path: formatPath(path),
          message: `expected an object of middleware settings, got ${visibility.describe(path, overrides)}`,
        });
        continue;
      }
      const checked: Record<string, Record<string, unknown> | false> = {};
      for (const [name, options] of Object.entries(overrides)) {
        const entry = registry.get(name);
        if (entry === undefined || !inPipeline.has(name)) {
          const guess = didYouMean(name, [...inPipeline]);
          problems.push({
            path: formatPath([...path, name]),
            message: `${entry === undefined ? 'unknown middleware' : `${name} is not in the pipeline; add it there to set it per tool`}${guess === undefined || guess === name ? '' : ` (did you mean ${guess}?)`}`,
          });
          continue;
        }
        if (options === false) {
          checked[name] = false;
          continue;
        }
        let partial = partials.get(entry);
        if (partial === undefined) partials.set(entry, (partial = entry.schema.partial()));
        const parsed = safeParse(partial, options ?? {}, [...path, name], problems);
        if (parsed === undefined) continue;
        if (!parsed.success)
          problems.push(...problemsFromZod(parsed.error, partial, [...path, name], options, visibility));
        else checked[name] = parsed.data as Record<string, unknown>;
      }
      tools[glob] = checked;
    }
  }
  return problems.length > 0 ? { problems } : { config: { pipeline, tools, stores }, problems };
}
