/**
 * The one redaction for values: a JSON-safe copy that is redacted (by key and by pattern) and bounded
 * (depth, keys, key and string length, bytes) in one pass, for log lines and span attributes.
 */
import { REDACTED, isSecretKey, redactText } from './redact.js';

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
