/** The options of `idempotency()`, checked once when the factory runs. */
import { ConfigError, type ToolInfo, type ToolSelector } from '@mcp-middleware/core';
import { IDEMPOTENCY_OPTIONS } from './declaration.js';
import { describeValue, globToRegExp, readToolSelector } from '@mcp-middleware/core/helpers';
import { memoryStore } from './memory-store.js';
import type { IdempotencyStore } from './store.js';

/** What to do when the store fails: refuse the write (fail closed) or run it without a key. */
export type StoreErrorPolicy = 'refuse' | 'run';

/** Options of `idempotency()`. */
export interface IdempotencyOptions {
  /**
   * Which tools take idempotency keys: a name glob (`!` negates), a list of globs, annotations, or a
   * predicate over the tool.
   * @default every tool without `readOnlyHint: true`
   */
  readonly tools?: ToolSelector | undefined;
  /**
   * Keys derived from args, per tool glob: `{ create_invoice: ['orderId'] }` makes the canonical JSON of
   * those fields the key when the call carries none in `_meta`. The first matching glob wins.
   * @default {}
   */
  readonly keyArgs?: Readonly<Record<string, readonly string[]>> | undefined;
  /**
   * How long a completed call's result answers repeats of its key.
   * @default 86400000 (24 h)
   */
  readonly ttlMs?: number | undefined;
  /**
   * How long a claim lasts while the first call runs: a replica that dies mid-call frees its keys after this.
   * @default 300000 (5 min)
   */
  readonly pendingTtlMs?: number | undefined;
  /**
   * How long a repeat waits for a run on another replica before it is refused as still running (retryable).
   * Repeats on the same replica wait for the run itself, however long, until their own cancellation.
   * @default 30000
   */
  readonly waitMs?: number | undefined;
  /**
   * How often a repeat asks the store whether another replica's run has completed.
   * @default 100
   */
  readonly pollMs?: number | undefined;
  /**
   * Store `isError: true` answers too (the tool said no; repeating gets the same no). Thrown failures and
   * `input_required` rounds are never stored.
   * @default false
   */
  readonly storeToolErrors?: boolean | undefined;
  /**
   * When the store fails: `'refuse'` the write with a retryable error (it never runs twice), or `'run'` it
   * without idempotency (it may run twice) with a warning.
   * @default 'refuse'
   */
  readonly onStoreError?: StoreErrorPolicy | undefined;
  /**
   * Longest key accepted from `_meta`; longer ones are refused as INVALID_ARGUMENTS.
   * @default 256
   */
  readonly maxKeyChars?: number | undefined;
  /**
   * Where keys and results live; use `redisStore()` when replicas share clients.
   * @default memoryStore()
   */
  readonly store?: IdempotencyStore | undefined;
}

/** Options after checking, with defaults applied. */
export interface ResolvedOptions {
  readonly applies: (tool: ToolInfo) => boolean;
  readonly keyArgs: (tool: string) => readonly string[] | undefined;
  readonly ttlMs: number;
  readonly pendingTtlMs: number;
  readonly waitMs: number;
  readonly pollMs: number;
  readonly storeToolErrors: boolean;
  readonly onStoreError: StoreErrorPolicy;
  readonly maxKeyChars: number;
  readonly store: IdempotencyStore;
}

const notReadOnly = (tool: ToolInfo): boolean => tool.annotations?.readOnlyHint !== true;

function readKeyArgs(value: unknown): (tool: string) => readonly string[] | undefined {
  if (value === undefined) return () => undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      'keyArgs',
      `idempotency: keyArgs must map tool globs to lists of arg names, got ${describeValue(value)}`,
    );
  }
  const rules = Object.entries(value as Record<string, unknown>).map(([glob, fields]) => {
    if (
      !Array.isArray(fields) ||
      fields.length === 0 ||
      !fields.every((f) => typeof f === 'string' && f !== '')
    ) {
      throw new ConfigError(
        `keyArgs.${glob}`,
        `idempotency: keyArgs.${glob} must be a non-empty list of arg names, got ${describeValue(fields)}`,
      );
    }
    return { pattern: globToRegExp(glob), fields: Object.freeze([...(fields as string[])]) };
  });
  return (tool) => rules.find((rule) => rule.pattern.test(tool))?.fields;
}

function readStore(store: unknown): IdempotencyStore {
  const shaped =
    typeof store === 'object' &&
    store !== null &&
    ['claim', 'get', 'complete', 'release'].every(
      (m) => typeof (store as Record<string, unknown>)[m] === 'function',
    );
  if (!shaped) {
    throw new ConfigError(
      'store',
      `idempotency: store must be an IdempotencyStore (memoryStore(), redisStore() or an object with claim, get, complete and release), got ${describeValue(store)}`,
    );
  }
  return store as IdempotencyStore;
}

/** Checks `options` (a `ConfigError` naming the bad option) and applies defaults. */
export function resolveOptions(options: IdempotencyOptions): ResolvedOptions {
  const { values, reader: read } = IDEMPOTENCY_OPTIONS.read(options);
  return {
    applies: readToolSelector('idempotency', 'tools', values.tools, notReadOnly),
    keyArgs: readKeyArgs(values.keyArgs),
    ttlMs: values.ttlMs,
    pendingTtlMs: values.pendingTtlMs,
    waitMs: values.waitMs,
    pollMs: values.pollMs,
    storeToolErrors: values.storeToolErrors,
    onStoreError: values.onStoreError,
    maxKeyChars: values.maxKeyChars,
    store: read.has('store') ? readStore(values.store) : memoryStore(),
  };
}
