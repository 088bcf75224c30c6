/** How checking a file words its problems: which values it may show, zod issues as problems, user schemas that throw. */
import { didYouMean } from '@mcp-middleware/core';
import type { z } from 'zod/v4';
import { describeInput, formatPath, type ConfigProblem } from './errors.js';
import { describeHidden, isSecretKey } from './secrets.js';
import { keysAt } from './zod-fence.js';

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

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** `unknown option (did you mean …?); known: …` for a key no schema knows. */
export function unknownKey(what: string, key: string, known: readonly string[]): string {
  const guess = didYouMean(key, known);
  return `${what}${guess === undefined ? '' : ` (did you mean ${guess}?)`}; known: ${known.join(', ')}`;
}

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
      for (const key of issue.keys)
        problems.push({
          path: formatPath([...path, key]),
          message: unknownKey('unknown option', key, known),
        });
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

/**
 * A registry entry's schema is the user's code when the registry is: a refinement that throws is a problem
 * naming the middleware, never a crash. Undefined when it threw.
 */
export function safeParse(
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
