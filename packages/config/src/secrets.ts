/** What a config error or `check` may show of a value: never one from the environment or under a secret-like key. */

// The last word of a key names what it holds: `apiKey`, `client_secret`, `sha256`, `password`, but not `keyBy`.
const SECRET_WORDS = new Set([
  'sha256',
  'digest',
  'hash',
  'secret',
  'token',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'key',
  'apikey',
  'credential',
  'credentials',
  'cookie',
  'authorization',
  'signature',
  'salt',
  'private',
]);

/** True for keys whose values are secrets or digests of secrets (`sha256`, `clientSecret`, `api_key`, …). */
export function isSecretKey(key: PropertyKey): boolean {
  if (typeof key !== 'string') return false;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const last = words.at(-1);
  return last !== undefined && (SECRET_WORDS.has(last) || SECRET_WORDS.has(words.join('')));
}

// scheme://user:password@host or scheme://token@host: everything between `//` and the last `@` before the
// path (a password may hold an unescaped `@`). The scheme is bounded so a long word costs linear time.
const USERINFO = /([a-z][a-z0-9+.-]{0,30}:\/\/)[^/?#\s"'`]*@/gi;

/** `redis://app:pw@host` becomes `redis://***@host`, wherever it appears in `text`. */
export function maskUserinfo(text: string): string {
  return text.replace(USERINFO, '$1***@');
}

/** What problems say instead of a hidden value: its kind and, for strings, its length. */
export function describeHidden(value: unknown, template: string | undefined): string {
  const what =
    typeof value === 'string'
      ? `a string of ${value.length} characters`
      : Array.isArray(value)
        ? 'a list'
        : value === null
          ? 'null'
          : typeof value === 'object'
            ? 'an object'
            : `a ${typeof value}`;
  return template === undefined
    ? `${what} (not shown: a secret-like key)`
    : `${what} from ${maskUserinfo(template)} (not shown: it comes from the environment)`;
}

/**
 * Replaces every occurrence of each secret in `text` (those of 4 characters or more; shorter ones would
 * garble the text and protect nothing) and masks URL userinfo.
 */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return maskUserinfo(out);
}

/** Formatted path → the text as written, for values the environment filled in. */
type FromEnv = ReadonlyMap<string, string>;

function isHidden(
  path: readonly PropertyKey[],
  fromEnv: FromEnv,
  format: (p: readonly PropertyKey[]) => string,
) {
  return path.some(isSecretKey) || fromEnv.has(format(path));
}

/**
 * Every string in `value` (found at `path`) that came from the environment or sits under a secret-like key,
 * to scrub from texts written by code we do not control (factories, third-party schemas).
 */
export function sensitiveStrings(
  value: unknown,
  path: readonly PropertyKey[],
  fromEnv: FromEnv,
  format: (p: readonly PropertyKey[]) => string,
  out: Set<string> = new Set(),
): Set<string> {
  if (typeof value === 'string' || typeof value === 'number') {
    if (isHidden(path, fromEnv, format)) out.add(String(value));
  } else if (Array.isArray(value))
    value.forEach((item, i) => sensitiveStrings(item, [...path, i], fromEnv, format, out));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value))
      sensitiveStrings(item, [...path, key], fromEnv, format, out);
  return out;
}

/**
 * A copy of `value` (found at `path`) fit to print: values from the environment as written (`${API_KEY}`),
 * values under secret-like keys as `(hidden)`, URL userinfo masked.
 */
export function displayCopy(
  value: unknown,
  path: readonly PropertyKey[],
  fromEnv: FromEnv,
  format: (p: readonly PropertyKey[]) => string,
): unknown {
  const template = fromEnv.get(format(path));
  if (template !== undefined) return maskUserinfo(template);
  if (path.some(isSecretKey) && (typeof value !== 'object' || value === null)) return '(hidden)';
  if (typeof value === 'string') return maskUserinfo(value);
  if (Array.isArray(value)) return value.map((item, i) => displayCopy(item, [...path, i], fromEnv, format));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(out, key, {
        value: displayCopy(item, [...path, key], fromEnv, format),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return value;
}
