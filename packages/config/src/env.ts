/** `${VAR}` and `${VAR:-default}` in string values, from the environment; `$${` writes a literal `${`. */
import type { ConfigProblem } from './errors.js';
import { formatPath } from './errors.js';
import { MAX_DEPTH } from './yaml-tree.js';

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces variables in every string of `value`; missing variables without a default become problems. Each
 * value the environment filled in is recorded in `fromEnv` (formatted path → the text as written), so
 * errors and `check` can name `${API_KEY}` instead of showing its value.
 */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  fromEnv: Map<string, string> = new Map(),
  path: PropertyKey[] = [],
): unknown {
  if (path.length > MAX_DEPTH) {
    // A config given as an object can be as deep as it likes, or circular.
    problems.push({
      path: formatPath(path.slice(0, 3)),
      message: `nested more than ${MAX_DEPTH} levels deep`,
    });
    return undefined;
  }
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    let used = false;
    const replaced = value.replace(PATTERN, (match: string, name?: string, fallback?: string) => {
      if (match === '$${') return '${';
      used = true;
      const found = env[name as string];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push({
        path: formatPath(path),
        message: `environment variable ${name as string} is not set; set it or write \${${name as string}:-default}`,
      });
      return match;
    });
    if (used) fromEnv.set(formatPath(path), value);
    // A whole-value variable that holds a number or boolean keeps that type (`limit: ${LIMIT}`).
    if (/^\$\{[^}]+\}$/.test(value)) {
      if (/^-?\d+(\.\d+)?$/.test(replaced)) return Number(replaced);
      if (replaced === 'true' || replaced === 'false') return replaced === 'true';
    }
    return replaced;
  }
  if (Array.isArray(value))
    return value.map((item, i) => interpolate(item, env, problems, fromEnv, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    // defineProperty, not assignment: a `__proto__` key must stay a key, for validation to refuse it.
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: interpolate(item, env, problems, fromEnv, [...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
