/** Canonical JSON of parsed tool args: one string per value, sorted keys, bounded, or a reason to bypass. */

/** Why a value has no canonical form. */
export type CanonicalFailure = 'args-unserialisable' | 'args-too-large';

/** Thrown by {@link canonicalJson}; the message says what was found, never the value itself. */
export class CanonicalError extends Error {
  readonly reason: CanonicalFailure;

  constructor(reason: CanonicalFailure, detail: string) {
    super(detail);
    this.reason = reason;
  }
}
Object.defineProperty(CanonicalError.prototype, 'name', { value: 'CanonicalError' });

/** Deeper nesting bypasses the cache. A cycle is found here too: depth-first encoding meets it as depth. */
export const MAX_DEPTH = 64;

// The encoder is synchronous and never re-enters, so one output, budget and depth serve every call.
let out = '';
let budget = 0;
let depth = 0;

// Object keys come from a handful of schemas: remember their quoted form (bounded, for record-like args).
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 1024;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function unserialisable(detail: string): CanonicalError {
  return new CanonicalError('args-unserialisable', detail);
}

function spend(chars: number): void {
  budget -= chars;
  if (budget < 0) throw new CanonicalError('args-too-large', 'more characters than maxArgsChars');
}

function encode(value: unknown): void {
  switch (typeof value) {
    case 'string':
      spend(value.length + 2);
      out += JSON.stringify(value);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw unserialisable('a non-finite number');
      spend(24);
      out += String(value);
      return;
    case 'boolean':
      spend(5);
      out += value ? 'true' : 'false';
      return;
    case 'object':
      if (value === null) {
        spend(4);
        out += 'null';
      } else encodeObject(value);
      return;
    // Outside JSON on purpose: no JSON text starts with `u`, so `[undefined]` never meets `[null]`.
    case 'undefined':
      spend(9);
      out += 'undefined';
      return;
    case 'bigint':
      throw unserialisable('a BigInt');
    case 'function':
      throw unserialisable('a function');
    case 'symbol':
      throw unserialisable('a symbol');
  }
}

// Insertion sort: faster than Array#sort for the few keys args have; same order (UTF-16 code units).
function sortKeys(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function encodeObject(value: object): void {
  if (depth >= MAX_DEPTH) throw unserialisable(`a cycle or nesting deeper than ${MAX_DEPTH} levels`);
  spend(2);
  depth++;
  if (Array.isArray(value)) {
    out += '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      encode(value[i]);
    }
    out += ']';
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const keys = Object.keys(value);
      const record = value as Record<string, unknown>;
      out += '{';
      let first = true;
      for (const key of keys.length > 16 ? keys.sort() : sortKeys(keys)) {
        const item = record[key];
        // An absent optional and an explicit undefined mean the same call.
        if (item === undefined) continue;
        spend(key.length + 4);
        out += first ? quoteKey(key) : `,${quoteKey(key)}`;
        out += ':';
        encode(item);
        first = false;
      }
      out += '}';
    } else if (value instanceof Date) {
      // A Date (z.coerce.date()) keys by its instant; `D` starts no JSON text, so it never meets a string.
      const time = value.getTime();
      if (Number.isNaN(time)) throw unserialisable('an invalid Date');
      spend(16);
      out += `D${time}`;
    } else {
      throw unserialisable('an object that is not plain (a Map, Set or class instance)');
    }
  }
  depth--;
}

/**
 * The canonical JSON of `value`: object keys sorted, undefined properties dropped, Dates as instants.
 * Throws a {@link CanonicalError} for BigInt, functions, symbols, non-finite numbers, objects that are
 * not plain, cycles or nesting deeper than 64, or more than `maxChars` characters (checked as it goes).
 */
export function canonicalJson(value: unknown, maxChars: number): string {
  out = '';
  budget = maxChars;
  depth = 0;
  try {
    encode(value);
    return out;
  } finally {
    out = '';
  }
}
