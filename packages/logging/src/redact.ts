/** Redaction of tool arguments before they reach a log line: sensitive keys at any depth, marked paths, secret-shaped strings. */
import { redactSecrets } from '@mcp-middleware/core';

/** What replaces a redacted value. */
export const CENSOR = '[Redacted]';

const MAX_DEPTH = 8;
const MAX_ITEMS = 100;
// Compared against the key lowercased with `-`, `_` and spaces removed.
const SENSITIVE_PARTS = [
  'authorization',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'apikey',
  'cookie',
  'credential',
  'privatekey',
  'accesskey',
];
const SENSITIVE_EXACT = new Set(['auth', 'bearer', 'jwt', 'pwd']);

/** True for a key that names a credential: authorization, tokens, passwords, secrets, API keys, cookies. */
export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_\s]/g, '');
  // `access_token`, `refreshToken`, `token` are credentials; `max_tokens` is not.
  if (k.endsWith('token') || SENSITIVE_EXACT.has(k)) return true;
  return SENSITIVE_PARTS.some((part) => k.includes(part));
}

/** Parses user-marked paths (`card.number`, `items.*.ssn`) once, at factory time. */
export function parsePaths(paths: readonly string[]): readonly (readonly string[])[] {
  return paths.map((path) => path.split('.'));
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => copy(item, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more]`);
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) ? CENSOR : copy(item, depth + 1);
  }
  return out;
}

function censorPath(target: unknown, path: readonly string[], at: number): void {
  if (typeof target !== 'object' || target === null) return;
  const segment = path[at] as string;
  const record = target as Record<string, unknown>;
  const keys = segment === '*' ? Object.keys(record) : Object.hasOwn(record, segment) ? [segment] : [];
  for (const key of keys) {
    if (at === path.length - 1) record[key] = CENSOR;
    else censorPath(record[key], path, at + 1);
  }
}

/**
 * A copy of `args` safe to log: values under sensitive keys (at any depth, any case) and under `paths`
 * become `[Redacted]`; strings lose bearer tokens, JWTs and `key=value` secrets; depth and array length
 * are bounded.
 */
export function redactArgs(args: unknown, paths: readonly (readonly string[])[] = []): unknown {
  const safe = copy(args, 0);
  for (const path of paths) censorPath(safe, path, 0);
  return safe;
}
