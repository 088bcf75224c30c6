/** Payload guards: one iterative walk over a value that stops at the first limit it crosses. */

/** The limits {@link checkPayload} enforces; resolved once by the factory. */
export interface PayloadLimits {
  /** Estimated JSON size in bytes. Must be finite: it is also what ends the walk of a cyclic value. */
  readonly maxBytes: number;
  /** Nesting levels of objects and arrays; the value itself is level 1. */
  readonly maxDepth: number;
  /** Characters in any string, property names included. */
  readonly maxStringLength: number;
  /** Items in any array. */
  readonly maxArrayLength: number;
  /** Property names that may not appear anywhere (own keys, as `JSON.parse` creates them). */
  readonly forbiddenKeys: ReadonlySet<string>;
}

/** One step from a value to a nested value: a property name or an array index. */
export type PathSegment = string | number;

/** The first limit a value crossed, and where. */
export type PayloadViolation =
  | { readonly kind: 'bytes'; readonly limit: number }
  | { readonly kind: 'depth'; readonly limit: number; readonly path: readonly PathSegment[] }
  | {
      readonly kind: 'string' | 'array';
      readonly limit: number;
      readonly length: number;
      readonly path: readonly PathSegment[];
    }
  | { readonly kind: 'key'; readonly key: string; readonly path: readonly PathSegment[] };

const OK = 0;
const BYTES = 1;
const DEPTH = 2;
const STRING = 3;
const ARRAY = 4;
const KEY = 5;
type Code = typeof OK | typeof BYTES | typeof DEPTH | typeof STRING | typeof ARRAY | typeof KEY;

// Strings up to this length count their length (cheap); longer ones their exact UTF-8 size.
const EXACT_STRING_BYTES_FROM = 1024;

interface Trail {
  readonly parent: Trail | undefined;
  readonly key: PathSegment;
}

interface Stack {
  values: object[];
  depths: number[];
  trails: (Trail | undefined)[];
}

// The walk is synchronous, so one stack serves every call; `busy` covers a getter that re-enters.
const shared: Stack = { values: [], depths: [], trails: [] };
let busy = false;

// Results of the last walk, read right after it returns.
let walkedBytes = 0;
let failedTrail: Trail | undefined;
let failedKey: PathSegment = '';
let failedLength = 0;

function stringBytes(s: string): number {
  return (s.length > EXACT_STRING_BYTES_FROM ? Buffer.byteLength(s, 'utf8') : s.length) + 2;
}

function numberBytes(n: number): number {
  if (!Number.isInteger(n)) return 20;
  let rest = n < 0 ? -n : n;
  let bytes = n < 0 ? 2 : 1;
  while (rest >= 10 && bytes < 24) {
    rest /= 10;
    bytes++;
  }
  return bytes;
}

function fail(code: Code, trail: Trail | undefined, key: PathSegment, length: number): Code {
  failedTrail = trail;
  failedKey = key;
  failedLength = length;
  return code;
}

// Mutable walk state, module-level so the helpers below share it without a closure per call.
let bytes = 0;
let top = 0;

// Handles one child of the node being walked: counts a primitive or pushes a container.
function visit(
  value: unknown,
  key: PathSegment,
  depth: number,
  here: Trail | undefined,
  limits: PayloadLimits,
  trace: boolean,
  stack: Stack,
): Code {
  switch (typeof value) {
    case 'string':
      if (value.length > limits.maxStringLength) return fail(STRING, here, key, value.length);
      bytes += stringBytes(value);
      return OK;
    case 'number':
      bytes += numberBytes(value);
      return OK;
    case 'boolean':
      bytes += 5;
      return OK;
    case 'bigint':
      bytes += 24;
      return OK;
    case 'object':
      if (value === null) {
        bytes += 4;
        return OK;
      }
      if (depth >= limits.maxDepth) return fail(DEPTH, here, key, 0);
      stack.values[top] = value;
      stack.depths[top] = depth + 1;
      if (trace) stack.trails[top] = { parent: here, key };
      top++;
      bytes += 2;
      return OK;
    case 'undefined':
    case 'function':
    case 'symbol':
      // JSON drops them.
      return OK;
  }
}

// Walks `root` depth-first with an explicit stack (no recursion: 10 000 levels cannot overflow).
// With `trace`, it also records where it stopped; the fast pass skips that bookkeeping.
function walk(root: object, limits: PayloadLimits, trace: boolean, stack: Stack): Code {
  const maxBytes = limits.maxBytes;
  const forbiddenKeys = limits.forbiddenKeys;
  const checkKeys = forbiddenKeys.size > 0;
  bytes = 0;
  top = 0;
  let node: object = root;
  let depth = 1;
  let here: Trail | undefined;
  let code: Code = OK;
  for (;;) {
    if (Array.isArray(node)) {
      const items = node as unknown[];
      const n = items.length;
      if (n > limits.maxArrayLength) {
        code = fail(ARRAY, here, '', n);
        break;
      }
      bytes += n;
      for (let i = 0; i < n; i++) {
        code = visit(items[i], i, depth, here, limits, trace, stack);
        if (code !== OK || bytes > maxBytes) break;
      }
    } else if (ArrayBuffer.isView(node)) {
      // Typed arrays serialise as objects with one key per element.
      const n = node.byteLength;
      if (n > limits.maxArrayLength) {
        code = fail(ARRAY, here, '', n);
        break;
      }
      bytes += n * 6;
    } else {
      // Own enumerable keys only: never a read that could walk up to Object.prototype.
      const keys = Object.keys(node);
      const record = node as Record<string, unknown>;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (checkKeys && forbiddenKeys.has(key)) {
          code = fail(KEY, here, key, 0);
          break;
        }
        if (key.length > limits.maxStringLength) {
          code = fail(STRING, here, key, key.length);
          break;
        }
        bytes += key.length + 4;
        code = visit(record[key], key, depth, here, limits, trace, stack);
        if (code !== OK || bytes > maxBytes) break;
      }
    }
    if (code !== OK) break;
    if (bytes > maxBytes) {
      code = BYTES;
      break;
    }
    if (top === 0) break;
    top--;
    node = stack.values[top] as object;
    depth = stack.depths[top] as number;
    // Drop references as we go, so the shared stack never keeps a caller's payload alive.
    stack.values[top] = undefined as unknown as object;
    if (trace) {
      here = stack.trails[top];
      stack.trails[top] = undefined;
    }
  }
  for (let i = 0; i < top; i++) {
    stack.values[i] = undefined as unknown as object;
    stack.trails[i] = undefined;
  }
  walkedBytes = bytes;
  return code;
}

function runWalk(root: object, limits: PayloadLimits, trace: boolean): Code {
  if (busy) {
    // Re-entered from a getter inside a walk: use a private stack and restore the outer walk's state.
    const outerBytes = bytes;
    const outerTop = top;
    try {
      return walk(root, limits, trace, { values: [], depths: [], trails: [] });
    } finally {
      bytes = outerBytes;
      top = outerTop;
    }
  }
  busy = true;
  try {
    return walk(root, limits, trace, shared);
  } finally {
    busy = false;
  }
}

function pathOf(trail: Trail | undefined, last: PathSegment | undefined): PathSegment[] {
  const path: PathSegment[] = last === undefined ? [] : [last];
  for (let t = trail; t !== undefined; t = t.parent) path.push(t.key);
  return path.reverse();
}

/**
 * Checks `value` against `limits` in one walk and returns the first violation, or undefined when the
 * value is within every limit. The success path allocates nothing for flat objects.
 */
export function checkPayload(value: unknown, limits: PayloadLimits): PayloadViolation | undefined {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'string' && value.length > limits.maxStringLength) {
      return { kind: 'string', limit: limits.maxStringLength, length: value.length, path: [] };
    }
    return undefined;
  }
  const code = runWalk(value, limits, false);
  if (code === OK) return undefined;
  if (code === BYTES) return { kind: 'bytes', limit: limits.maxBytes };
  // A second walk, only on failure, to say where.
  runWalk(value, limits, true);
  switch (code) {
    case DEPTH:
      return { kind: 'depth', limit: limits.maxDepth, path: pathOf(failedTrail, failedKey) };
    case STRING:
      return {
        kind: 'string',
        limit: limits.maxStringLength,
        length: failedLength,
        path: pathOf(failedTrail, failedKey),
      };
    case ARRAY:
      return {
        kind: 'array',
        limit: limits.maxArrayLength,
        length: failedLength,
        path: pathOf(failedTrail, undefined),
      };
    case KEY:
      return { kind: 'key', key: failedKey as string, path: pathOf(failedTrail, failedKey) };
  }
}

/** Limits for {@link estimateJsonBytes}: only a byte cap, so the walk stops once it is passed. */
export function byteCap(maxBytes: number): PayloadLimits {
  return {
    maxBytes,
    maxDepth: Number.MAX_SAFE_INTEGER,
    maxStringLength: Number.MAX_SAFE_INTEGER,
    maxArrayLength: Number.MAX_SAFE_INTEGER,
    forbiddenKeys: new Set(),
  };
}

/**
 * Estimates the JSON size of `value` in bytes, walking no further than needed to know it exceeds
 * `cap.maxBytes` (the answer is then some number above it). Strings count their length, or their
 * exact UTF-8 size when longer than 1 KiB; escapes are not counted.
 */
export function estimateJsonBytes(value: unknown, cap: PayloadLimits): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return numberBytes(value);
    case 'boolean':
      return 5;
    case 'bigint':
      return 24;
    case 'object':
      if (value === null) return 4;
      runWalk(value, cap, false);
      return walkedBytes + 2;
    case 'undefined':
    case 'function':
    case 'symbol':
      return 0;
  }
}
