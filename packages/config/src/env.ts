/** `${VAR}` and `${VAR:-default}` in string values, from the environment; `$${` writes a literal `${`. */
import type { ConfigProblem } from './errors.js';
import { formatPath } from './errors.js';

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces variables in every string of `value`; missing variables without a default become problems. */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const replaced = value.replace(PATTERN, (match: string, name?: string, fallback?: string) => {
      if (match === '$${') return '${';
      const found = env[name as string];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push({
        path: formatPath(path),
        message: `environment variable ${name as string} is not set; set it or write \${${name as string}:-default}`,
      });
      return match;
    });
    // A whole-value variable that holds a number or boolean keeps that type (`limit: ${LIMIT}`).
    if (/^\$\{[^}]+\}$/.test(value)) {
      if (/^-?\d+(\.\d+)?$/.test(replaced)) return Number(replaced);
      if (replaced === 'true' || replaced === 'false') return replaced === 'true';
    }
    return replaced;
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, problems, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    // defineProperty, not assignment: a `__proto__` key must stay a key, for validation to refuse it.
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: interpolate(item, env, problems, [...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
