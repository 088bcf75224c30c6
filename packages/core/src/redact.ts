/**
 * The one redaction: key-based for values (a copy that is redacted and bounded in one pass) and
 * pattern-based for text. Error texts, log lines and span attributes all go through it, so a secret
 * spelling that one sink hides, every sink hides. Work is bounded by the output limits, not by the input.
 */

/** What replaces a redacted secret. */
export const REDACTED = '[redacted]';

// Compared with the key lowercased, without `-`, `_`, `.`, spaces and leading dashes.
const SECRET_PARTS = [
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
  'signature',
];
// Whole keys that name a credential in an object, but are also prose or shell words in text (`auth: …`,
// `pwd: /home`): in text they count only before `=`.
const SECRET_EXACT = new Set(['auth', 'bearer', 'jwt', 'pwd', 'sig', 'pat']);

function normalise(key: string): string {
  return (key.length > 256 ? key.slice(0, 256) : key).toLowerCase().replace(/[-_.\s]/g, '');
}

function isSecretName(k: string): boolean {
  if (k.endsWith('token')) return true;
  for (const part of SECRET_PARTS) if (k.includes(part)) return true;
  return false;
}

/**
 * True for a key that names a credential: authorization, tokens (`access_token`, `refreshToken`; not
 * `max_tokens`), passwords, secrets, API keys, cookies, private keys, signatures. Any case, any of
 * camelCase, snake_case, kebab-case or UPPER_CASE, dotted paths included (`db.password`).
 */
export function isSecretKey(key: string): boolean {
  const k = normalise(key);
  return SECRET_EXACT.has(k) || isSecretName(k);
}

function isSecretTextKey(key: string, separator: string): boolean {
  const k = normalise(key);
  return isSecretName(k) || (SECRET_EXACT.has(k) && separator.includes('='));
}

// One scan finds every candidate; the named group that matched says which rule applies. Order matters
// where two rules match at one position: the specific shapes come before the generic `key: value`.
const SCHEMES = 'bearer|basic|token|digest|dpop|negotiate|apikey';
const SCAN = new RegExp(
  [
    String.raw`(?<pem>-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$))`,
    String.raw`(?<url>\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>\\]+@`,
    String.raw`(?<jwt>eyJ[\w-]{8,}(?:\.[\w-]*){0,2})`,
    String.raw`(?<known>\b(?:(?:sk|pk|rk)_(?:live|test)_[0-9a-z]{8,}|sk-[\w-]{20,}|gh[pousr]_[0-9a-z]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abposr]-[\w-]{10,}|AKIA[0-9A-Z]{16}|AIza[\w-]{30,}))`,
    String.raw`(?<scheme>\b(?:${SCHEMES})[ \t]+)(?<credential>[\w\-.~+/]+=*)(?![\w\-.~+/=])`,
    String.raw`(?<![\w.$@-])(?:(?<q>\\?["'\x60])(?<qkey>[^"'\x60\\\n]{1,256})\k<q>|(?<key>[a-z_$@][\w.$@-]*))(?<sep>[ \t]*(?:=>|:=|[:=])[ \t]*)`,
    String.raw`(?<![\w.$@-])(?<flag>--?[a-z][\w.-]*)(?<fsep>[ \t]*=[ \t]*|[ \t]+)`,
  ].join('|'),
  'gi',
);
// The value after a secret key: quoted (JSON-escaped too, possibly cut) or a run up to a separator.
const VALUE = new RegExp(
  String.raw`(?<scheme>(?:${SCHEMES})[ \t]+)?(?:(?<dq>")(?:[^"\\\n]|\\.)*"?|(?<sq>')[^'\n]*'?|(?<eq>\\")(?:[^"\\]|\\[^"])*(?:\\")?|[^\s"'\x60,;&]+)`,
  'iy',
);
const LINE = /[^\r\n]*/y;
const AUTH_PARAMETER = /^[A-Za-z_]+=$/;
// A scheme followed by a plain word, a short number or punctuation is prose ("send a bearer token."),
// not a credential.
const PLAIN_WORD = /^(?:[A-Za-z][a-z]{0,23}|[A-Z]{1,5}|\d{1,5})\.?$|^[^A-Za-z0-9]*$/;
// How far past the output limit the scan reads, so a secret cut by that limit is still recognised.
const LOOKAHEAD = 2048;

function redactedValue(text: string, at: number, key: string): { text: string; end: number } | undefined {
  const cookie = key.toLowerCase().includes('cookie') && !`"'\\`.includes(text[at] ?? '"');
  const pattern = cookie ? LINE : VALUE;
  pattern.lastIndex = at;
  const match = pattern.exec(text);
  if (match === null || match[0] === '') return undefined;
  const groups = match.groups ?? {};
  const quote = groups.dq ?? groups.sq ?? groups.eq ?? '';
  return { text: `${groups.scheme ?? ''}${quote}${REDACTED}${quote}`, end: at + match[0].length };
}

/**
 * `text` with credentials replaced by `[redacted]`, at most `maxLength` characters (then `…`): bearer,
 * basic and token schemes, JWTs, well-known token prefixes, PEM private keys, URL userinfo, and the value
 * after any secret key (`password=`, `"accessToken":"…"`, `DB_PASSWORD=`, `Authorization: Basic …`,
 * `--token …`). Redacts before it cuts, and reads at most `maxLength` + 2 KiB of the input.
 */
export function redactText(text: string, maxLength = Number.POSITIVE_INFINITY): string {
  const windowEnd = Math.min(text.length, maxLength + LOOKAHEAD);
  const source = windowEnd < text.length ? text.slice(0, windowEnd) : text;
  // Plain text from the last LOOKAHEAD characters of a cut input may be the start of a secret: not emitted.
  const emitEnd = windowEnd < text.length ? windowEnd - LOOKAHEAD : windowEnd;
  let out = '';
  let from = 0;
  SCAN.lastIndex = 0;
  for (let match = SCAN.exec(source); match !== null && out.length <= maxLength; match = SCAN.exec(source)) {
    if (match.index >= emitEnd) break;
    const g = match.groups ?? {};
    let replacement: string | undefined;
    let end = match.index + match[0].length;
    if (g.pem !== undefined || g.jwt !== undefined || g.known !== undefined) replacement = REDACTED;
    else if (g.url !== undefined) replacement = `${g.url}${REDACTED}@`;
    else if (g.scheme !== undefined) {
      const credential = g.credential ?? '';
      // `Bearer realm="mcp"` is a challenge's parameter, not a credential.
      const parameter = AUTH_PARAMETER.test(credential) && source[end] === '"';
      if (!parameter && !PLAIN_WORD.test(credential)) replacement = `${g.scheme}${REDACTED}`;
    } else {
      const key = g.qkey ?? g.key ?? g.flag ?? '';
      const separator = g.sep ?? g.fsep ?? '';
      const value = isSecretTextKey(key, separator) ? redactedValue(source, end, key) : undefined;
      if (value !== undefined) {
        replacement = `${match[0]}${value.text}`;
        end = value.end;
      }
    }
    if (replacement === undefined) {
      // Not a secret here; scan again from the next character, so nothing inside the match is skipped.
      SCAN.lastIndex = match.index + 1;
      continue;
    }
    out += source.slice(from, match.index) + replacement;
    from = end;
    SCAN.lastIndex = end;
  }
  if (out.length <= maxLength && from < emitEnd) out += source.slice(from, emitEnd);
  const cut = out.length > maxLength || emitEnd < text.length;
  return cut ? `${out.slice(0, maxLength)}…` : out;
}

/** Limits of {@link redactValue}'s copy. */
export interface RedactOptions {
  /** Nesting kept; deeper values become `[truncated]`. @default 8 */
  readonly maxDepth?: number | undefined;
  /** Keys kept per object and items per array; the rest are counted in a `…` entry. @default 100 */
  readonly maxKeys?: number | undefined;
  /** Characters kept of a key. @default 128 */
  readonly maxKeyLength?: number | undefined;
  /** Characters kept of a string (after redaction, then `…`). @default 1024 */
  readonly maxStringLength?: number | undefined;
  /** Bytes of the copy's JSON, at most (from 256). @default 8192 */
  readonly maxBytes?: number | undefined;
}

/** What stands for a value past the depth limit. */
export const TRUNCATED = '[truncated]';
/** What stands for a value that throws when read (a throwing getter, a revoked Proxy). */
export const UNREADABLE = '[unreadable]';
/** What stands for a value that contains itself. */
export const CIRCULAR = '[circular]';
/** The key of the entry that counts what an object or array left out. */
export const MORE_KEY = '…';

// Room kept back for one `…` entry per open container, so the markers never break the byte bound.
const MARKER_BYTES = 48;
const UTF8 = new TextEncoder();

class Copier {
  readonly #maxDepth: number;
  readonly #maxKeys: number;
  readonly #maxKeyLength: number;
  readonly #maxStringLength: number;
  #budget: number;
  readonly #ancestors = new Set<object>();

  constructor(options: RedactOptions) {
    this.#maxDepth = options.maxDepth ?? 8;
    this.#maxKeys = options.maxKeys ?? 100;
    this.#maxKeyLength = options.maxKeyLength ?? 128;
    this.#maxStringLength = options.maxStringLength ?? 1024;
    const maxBytes = Math.max(256, options.maxBytes ?? 8192);
    this.#budget = Math.max(64, maxBytes - MARKER_BYTES * (this.#maxDepth + 2));
  }

  /** Charges `bytes` to the budget; once something does not fit, nothing more does (the copy ends). */
  #charge(bytes: number): boolean {
    if (bytes > this.#budget) {
      this.#budget = 0;
      return false;
    }
    this.#budget -= bytes;
    return true;
  }

  #string(value: string, max: number): string | undefined {
    const text = redactText(value, max);
    return this.#charge(UTF8.encode(JSON.stringify(text)).length + 1) ? text : undefined;
  }

  copy(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string':
        return this.#string(value, this.#maxStringLength) ?? TRUNCATED;
      case 'number':
      case 'boolean':
        return this.#charge(25) ? value : TRUNCATED;
      case 'bigint':
        return this.#string(`${value}n`, this.#maxStringLength) ?? TRUNCATED;
      case 'object':
        break;
      case 'function':
      case 'symbol':
      case 'undefined':
        return undefined; // no JSON form
    }
    if (value === null) return this.#charge(5) ? null : TRUNCATED;
    try {
      return this.#container(value, depth);
    } catch {
      // A revoked Proxy throws even on Array.isArray: it costs its own place, not the copy.
      return this.copy(UNREADABLE, depth);
    }
  }

  #container(value: object, depth: number): unknown {
    if (value instanceof Date)
      return this.copy(Number.isNaN(value.getTime()) ? null : value.toISOString(), depth);
    if (ArrayBuffer.isView(value)) return this.copy(`[${value.byteLength} bytes]`, depth);
    if (this.#ancestors.has(value)) return this.copy(CIRCULAR, depth);
    if (depth >= this.#maxDepth || !this.#charge(3)) return TRUNCATED;
    this.#ancestors.add(value);
    try {
      if (Array.isArray(value)) return this.#array(value, depth);
      if (value instanceof Error)
        return this.#object({ name: read(value, 'name'), message: read(value, 'message') }, depth);
      return this.#object(value, depth);
    } finally {
      this.#ancestors.delete(value);
    }
  }

  #array(value: readonly unknown[], depth: number): unknown[] {
    const out: unknown[] = [];
    const length = value.length;
    let i = 0;
    for (; i < length && i < this.#maxKeys && this.#budget > 0; i++) {
      const item = this.copy(read(value, i), depth + 1);
      if (item === undefined && !this.#charge(5)) break;
      out.push(item ?? null);
    }
    if (i < length) out.push(`${MORE_KEY} ${length - i} more items`);
    return out;
  }

  #object(value: object, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let kept = 0;
    let more = false;
    // for…in, not Object.entries: a 300 000-key object costs the keys kept, not a copy of every entry.
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (kept >= this.#maxKeys || this.#budget <= 0) {
        more = true;
        break;
      }
      const name = this.#string(key, this.#maxKeyLength);
      if (name === undefined) {
        more = true;
        break;
      }
      const raw = read(value, key);
      kept++;
      // An absent value stays absent (a capture may blank a key with `undefined`); a present one is redacted.
      const item =
        raw !== undefined && typeof raw !== 'function' && (isSecretKey(key) || key.length > 1024)
          ? this.#string(REDACTED, 16)
          : this.copy(raw, depth + 1);
      if (item === undefined) continue;
      // A defined property, never a setter: `__proto__` in the input stays a plain key of the copy.
      Object.defineProperty(out, name, { value: item, enumerable: true, writable: true, configurable: true });
    }
    if (more) out[MORE_KEY] = `more keys than the ${kept} kept`;
    return out;
  }
}

// A getter that throws (or a revoked Proxy) costs its property, not the copy.
function read(target: object, key: string | number): unknown {
  try {
    return (target as Record<string | number, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

/**
 * A JSON-safe copy of `value` for a log line or a span: values under secret keys (at any depth, any
 * spelling: see {@link isSecretKey}) become `[redacted]`, strings and keys go through
 * {@link redactText}, and the copy is bounded in depth, keys per object, key and string length, and total
 * bytes of its JSON (`maxBytes`). Getters that throw, cycles and BigInts never make it throw. Redaction
 * happens before any cut, so no half secret survives a bound.
 */
export function redactValue(value: unknown, options: RedactOptions = {}): unknown {
  try {
    return new Copier(options).copy(value, 0);
  } catch {
    return TRUNCATED;
  }
}
