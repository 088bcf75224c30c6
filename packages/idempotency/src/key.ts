/** Where an idempotency key comes from, how it is checked, and the store key and fingerprint of a call. */
import { hash } from 'node:crypto';
import { MiddlewareError, type ToolContext } from '@mcp-middleware/core';

/** The `_meta` key this package documents for an idempotency key. */
export const IDEMPOTENCY_KEY_META = 'io.github.mcp-middleware/idempotency-key';
/** The `_meta` key SEP-3182 ("Request Idempotency", closed without landing) proposed; accepted too. */
export const SPEC_IDEMPOTENCY_KEY_META = 'io.modelcontextprotocol/idempotencyKey';

/** Separates the principal from the key in a store key (U+001F: a checked key never holds it). */
const SEPARATOR = '\u001f';
/** Principal ids longer than this are hashed in the store key. */
const MAX_INLINE_PRINCIPAL_CHARS = 128;
/** Fingerprints (canonical tool and args) longer than this are kept as their SHA-256. */
const MAX_INLINE_FINGERPRINT_CHARS = 256;
/** The partition of calls without a principal. */
export const ANONYMOUS = 'anon';

const digest = (text: string): string => hash('sha256', text, 'base64url');

const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

// Printable only: no control characters (so no separator), no lone surrogates (UTF-8 stays injective).
function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return isWellFormed(text);
}

/**
 * The key a call carries in `_meta`, under this package's name or the SEP's; undefined when neither is
 * set. Two different keys under the two names are a caller mistake.
 */
export function metaKeyOf(ctx: ToolContext, maxKeyChars: number): string | undefined {
  const meta = ctx.meta as Record<string, unknown> | undefined;
  if (meta === undefined) return undefined;
  const ours = meta[IDEMPOTENCY_KEY_META];
  const spec = meta[SPEC_IDEMPOTENCY_KEY_META];
  if (ours !== undefined && spec !== undefined && ours !== spec) {
    throw keyError(
      ctx,
      `two different idempotency keys in _meta (${IDEMPOTENCY_KEY_META} and ${SPEC_IDEMPOTENCY_KEY_META})`,
    );
  }
  const given = ours ?? spec;
  return given === undefined ? undefined : checkKey(ctx, given, maxKeyChars);
}

/** The key built from `fields` of the call's args (canonical JSON of their values), or undefined when all are absent. */
export function argsKeyOf(
  ctx: ToolContext,
  fields: readonly string[],
  maxKeyChars: number,
): string | undefined {
  const args = ctx.args;
  if (args === undefined) return undefined;
  const values = fields.map((field) => (Object.hasOwn(args, field) ? args[field] : undefined));
  if (values.every((value) => value === undefined)) return undefined;
  let text: string;
  try {
    text = canonicalJson(values.length === 1 ? values[0] : values);
  } catch (error) {
    throw keyError(
      ctx,
      `the idempotency key fields ${fields.join(', ')} hold a value with no JSON form`,
      error,
    );
  }
  // Derived keys may be long (a whole payload): hashed, they stay bounded without refusing the call.
  return text.length > maxKeyChars || !isPrintable(text) ? `#${digest(text)}` : text;
}

function checkKey(ctx: ToolContext, key: unknown, maxKeyChars: number): string {
  if (typeof key !== 'string' || key === '') {
    throw keyError(ctx, 'the idempotency key must be a non-empty string');
  }
  if (key.length > maxKeyChars) {
    throw keyError(ctx, `the idempotency key is ${key.length} characters long, over ${maxKeyChars}`);
  }
  if (!isPrintable(key)) {
    throw keyError(ctx, 'the idempotency key holds control characters or unpaired surrogates');
  }
  return key;
}

function keyError(ctx: ToolContext, what: string, cause?: unknown): MiddlewareError {
  return new MiddlewareError(
    'INVALID_ARGUMENTS',
    `call to tool \`${ctx.tool.name}\` refused: ${what}; send a short printable key (a UUID)`,
    { data: { reason: 'idempotency_key_invalid' }, ...(cause !== undefined && { cause }) },
  );
}

/**
 * The store key of (principal, key): injective, because a checked key never holds the separator and a
 * principal id that might (or is long, or ill-formed) is replaced by its hash behind `#`.
 */
export function storeKeyOf(principal: string | undefined, key: string): string {
  const part =
    principal === undefined
      ? ANONYMOUS
      : principal.length > MAX_INLINE_PRINCIPAL_CHARS ||
          principal.includes(SEPARATOR) ||
          !isWellFormed(principal)
        ? `#${digest(JSON.stringify(principal))}`
        : `p:${principal}`;
  return part + SEPARATOR + key;
}

/** What makes two calls "the same": the tool and its canonical args, inline when short, else hashed. */
export function fingerprintOf(tool: string, args: unknown): string {
  const text = `[${JSON.stringify(tool)},${canonicalJson(args ?? null)}]`;
  return text.length > MAX_INLINE_FINGERPRINT_CHARS ? `#${digest(text)}` : text;
}

/**
 * JSON with object keys sorted at every depth, so `{a,b}` and `{b,a}` agree. Hand-rolled rather than a
 * `JSON.stringify` replacer, which costs more than the rest of a replayed call. Throws on cycles (depth) and
 * on values JSON cannot hold (BigInt); drops what JSON drops (undefined, functions, symbols).
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > 64) throw new TypeError('value nested deeper than 64 levels (or cyclic)');
  if (typeof value !== 'object' || value === null) {
    // Finite numbers print the same through String(); JSON.stringify is the dearer call.
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? 'null' : text;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i], depth + 1);
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item, depth + 1)}`;
    first = false;
  }
  return `${out}}`;
}
