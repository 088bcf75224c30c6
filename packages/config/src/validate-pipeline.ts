/** Checks the `pipeline:` section: each entry a registry name (with options) or a `use:` module. */
import { formatPath, type ConfigProblem } from './errors.js';
import { isPlainObject } from './merge.js';
import { problemsFromZod, safeParse, unknownKey, type Visibility } from './problems.js';
import type { RegistryEntry } from './registry.js';
import type { PipelineEntry } from './validate.js';

/** What checking one section needs: the registry, where problems go, and which values it may show. */
export interface CheckScope {
  readonly registry: ReadonlyMap<string, RegistryEntry>;
  readonly problems: ConfigProblem[];
  readonly visibility: Visibility;
}

function refuse(scope: CheckScope, path: readonly PropertyKey[], message: string): undefined {
  scope.problems.push({ path: formatPath(path), message });
  return undefined;
}

// `{ use: specifier, options? }`: a third-party module, checked when it loads.
function useEntry(
  raw: Record<string, unknown>,
  path: readonly PropertyKey[],
  { problems, visibility }: CheckScope,
): PipelineEntry {
  const { use, options = {}, ...rest } = raw;
  if (typeof use !== 'string' || use === '')
    problems.push({
      path: formatPath([...path, 'use']),
      message: `expected a module specifier, got ${visibility.describe([...path, 'use'], use)}`,
    });
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

// `{ name: options }`: options checked by the entry's schema, then by its rules between options.
function namedEntry(
  raw: Record<string, unknown>,
  path: readonly PropertyKey[],
  scope: CheckScope,
): PipelineEntry | undefined {
  const keys = Object.keys(raw);
  if (keys.length !== 1)
    return refuse(
      scope,
      path,
      `expected exactly one middleware name as key, got ${keys.length === 0 ? 'none' : keys.join(', ')}`,
    );
  const name = keys[0] as string;
  const entry = scope.registry.get(name);
  if (entry === undefined)
    return refuse(
      scope,
      [...path, name],
      `${unknownKey('unknown middleware', name, [...scope.registry.keys()])}, or { use: "module" }`,
    );
  const options = raw[name] === true ? {} : (raw[name] ?? {});
  const parsed = safeParse(entry.schema, options, [...path, name], scope.problems);
  if (parsed === undefined) return undefined;
  if (!parsed.success) {
    scope.problems.push(
      ...problemsFromZod(parsed.error, entry.schema, [...path, name], options, scope.visibility),
    );
    return undefined;
  }
  const checked = parsed.data as Record<string, unknown>;
  const crossed = entry.crossCheck?.(checked) ?? [];
  for (const { key, message } of crossed)
    refuse(
      scope,
      [...path, name, key],
      `${message}, got ${scope.visibility.describe([...path, name, key], checked[key])}`,
    );
  return crossed.length > 0 ? undefined : { name, options: checked };
}

function entryOf(raw: unknown, index: number, scope: CheckScope): PipelineEntry | undefined {
  const path = ['pipeline', index];
  const { registry, visibility } = scope;
  const names = [...registry.keys()].join(', ');
  if (typeof raw === 'string' && !registry.has(raw) && visibility.hidden(path))
    return refuse(
      scope,
      path,
      `expected a middleware name (one of ${names}), got ${visibility.describe(path, raw)}`,
    );
  const item = typeof raw === 'string' ? { [raw]: {} } : raw;
  if (!isPlainObject(item))
    return refuse(
      scope,
      path,
      `expected a middleware such as { rateLimit: { … } }, got ${visibility.describe(path, item)}`,
    );
  return 'use' in item ? useEntry(item, path, scope) : namedEntry(item, path, scope);
}

/** The checked entries of `raw` (the file's `pipeline`), outermost first; problems for the rest. */
export function pipelineOf(raw: unknown, scope: CheckScope): PipelineEntry[] {
  if (!Array.isArray(raw)) {
    refuse(
      scope,
      ['pipeline'],
      `expected a list of middlewares (outermost first), got ${scope.visibility.describe(['pipeline'], raw)}`,
    );
    return [];
  }
  const pipeline: PipelineEntry[] = [];
  raw.forEach((item, i) => {
    const entry = entryOf(item, i, scope);
    if (entry !== undefined) pipeline.push(entry);
  });
  return pipeline;
}
