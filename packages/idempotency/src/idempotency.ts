/** idempotency(): a repeated write with the same key gets the first call's result instead of running again. */
import { randomUUID } from 'node:crypto';
import {
  MiddlewareError,
  isMiddlewareError,
  principalIdOf,
  sleep,
  type CallToolResult,
  type Middleware,
  type Next,
  type ToolContext,
} from '@mcp-middleware/core';
import { argsKeyOf, fingerprintOf, metaKeyOf, storeKeyOf } from './key.js';
import { resolveOptions, type IdempotencyOptions } from './options.js';
import type { IdempotencyRecord } from './store.js';

/** The `_meta` key a replayed result carries: `{ replayed: true, ageMs }`. */
export const IDEMPOTENCY_META_KEY = 'io.github.mcp-middleware/idempotency';

/** What a replayed result carries under {@link IDEMPOTENCY_META_KEY}. */
export interface IdempotencyMeta {
  readonly replayed: true;
  /** How long ago the first call completed (0 for a repeat that waited for it). */
  readonly ageMs: number;
}

const SOURCE = 'idempotency';
// Claim owners: unique across replicas (a random process id) without a UUID per call.
const PROCESS = randomUUID();
let runCount = 0;

/** A run in progress in this process: repeats join it instead of asking the store. */
interface Run {
  readonly fingerprint: string;
  readonly promise: Promise<CallToolResult>;
}

type Found = IdempotencyRecord | undefined;

/** One call with a key, as it goes from claim to answer. */
interface Attempt {
  readonly ctx: ToolContext;
  readonly next: Next;
  /** The store key: principal and idempotency key. */
  readonly key: string;
  readonly fingerprint: string;
  /** This call's claim owner. */
  readonly owner: string;
}
const isPromise = <T>(value: T | Promise<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | undefined)?.then === 'function';

function replayed(result: CallToolResult, ageMs: number): CallToolResult {
  const meta: IdempotencyMeta = { replayed: true, ageMs };
  return { ...result, _meta: { ...result._meta, [IDEMPOTENCY_META_KEY]: meta } };
}

/** True for a result of the 2026-07-28 revision that asks the client for input: a round, not an answer. */
function isInputRequired(result: CallToolResult): boolean {
  return (result as { resultType?: unknown }).resultType === 'input_required';
}

/**
 * Answers a repeated call of a write tool (every tool without `readOnlyHint: true`, or those `tools` picks)
 * that carries the same idempotency key, from the same principal, with the first call's result. The key
 * comes from `_meta["io.github.mcp-middleware/idempotency-key"]` (or SEP-3182's
 * `io.modelcontextprotocol/idempotencyKey`), else from `keyArgs`; calls without a key run as usual.
 */
export function idempotency(options: IdempotencyOptions = {}): Middleware {
  const o = resolveOptions(options);
  const { store } = o;
  const runs = new Map<string, Run>();

  function conflict(ctx: ToolContext): MiddlewareError {
    ctx.emit({ type: 'reject', code: 'INVALID_ARGUMENTS', source: SOURCE });
    return new MiddlewareError(
      'INVALID_ARGUMENTS',
      `call to tool \`${ctx.tool.name}\` refused: its idempotency key was already used for another call ` +
        `(another tool or other arguments); send a new key for a new operation`,
      { data: { reason: 'idempotency_key_conflict' } },
    );
  }

  function stillRunning(ctx: ToolContext): MiddlewareError {
    ctx.emit({ type: 'reject', code: 'CONCURRENCY_LIMITED', source: SOURCE });
    return new MiddlewareError(
      'CONCURRENCY_LIMITED',
      `call to tool \`${ctx.tool.name}\` with this idempotency key is still running; retry later with the same key`,
      { retryAfterMs: o.pollMs, data: { reason: 'idempotency_key_in_flight' } },
    );
  }

  function cancelled(ctx: ToolContext, reason: unknown): MiddlewareError {
    return isMiddlewareError(reason)
      ? reason
      : new MiddlewareError('CANCELLED', `the call to tool \`${ctx.tool.name}\` was cancelled`, {
          cause: reason,
        });
  }

  // Waits for a run of this process on behalf of one repeat, who may leave on its own signal.
  function join(ctx: ToolContext, run: Run): Promise<CallToolResult> {
    const signal = ctx.signal;
    if (signal.aborted) return Promise.reject(cancelled(ctx, signal.reason));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(cancelled(ctx, signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      run.promise.then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(replayed(result, 0));
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  function storeFailed(ctx: ToolContext, what: string, error: unknown): void {
    ctx.emit({
      type: 'warning',
      source: SOURCE,
      message: `idempotency: the ${store.name} store failed to ${what}`,
      cause: error,
    });
  }

  function outage(ctx: ToolContext, next: Next, error: unknown): Promise<CallToolResult> {
    storeFailed(ctx, 'claim a key', error);
    if (o.onStoreError === 'run') return next(ctx);
    ctx.emit({ type: 'reject', code: 'INTERNAL', source: SOURCE });
    return Promise.reject(
      new MiddlewareError(
        'INTERNAL',
        `call to tool \`${ctx.tool.name}\` refused: its idempotency key cannot be checked now (store unavailable), so it was not run; retry later with the same key`,
        { retryable: true, data: { reason: 'idempotency_store_unavailable' }, cause: error },
      ),
    );
  }

  // The first call with a key: run it, then store its result or free the key.
  function runFirst(a: Attempt): Promise<CallToolResult> {
    let promise: Promise<CallToolResult>;
    try {
      promise = a.next(a.ctx);
    } catch (error) {
      promise = Promise.reject(error);
    }
    const run: Run = { fingerprint: a.fingerprint, promise };
    runs.set(a.key, run);
    const settle = (): void => {
      if (runs.get(a.key) === run) runs.delete(a.key);
    };
    promise.then(
      (result) => {
        settle();
        keep(a, result);
      },
      () => {
        settle();
        release(a);
      },
    );
    return promise;
  }

  function keep(a: Attempt, result: CallToolResult): void {
    if (isInputRequired(result) || (result.isError === true && !o.storeToolErrors)) return release(a);
    const { ctx } = a;
    try {
      const record = { fingerprint: a.fingerprint, at: ctx.clock.now(), json: JSON.stringify(result) };
      const done = store.complete(a.key, a.owner, record, o.ttlMs);
      if (isPromise(done)) done.catch((error: unknown) => storeFailed(ctx, 'store a result', error));
    } catch (error) {
      storeFailed(ctx, 'store a result', error);
      release(a);
    }
  }

  function release(a: Attempt): void {
    try {
      const done = store.release(a.key, a.owner);
      if (isPromise(done)) done.catch((error: unknown) => storeFailed(a.ctx, 'free a key', error));
    } catch (error) {
      storeFailed(a.ctx, 'free a key', error);
    }
  }

  // What the store held when we tried to claim: a result to replay, a conflict, or another replica's run.
  function answer(a: Attempt, found: Found, waitedMs: number): Promise<CallToolResult> {
    if (found === undefined) return runFirst(a);
    if (found.fingerprint !== a.fingerprint) return Promise.reject(conflict(a.ctx));
    if (found.result !== undefined) {
      return Promise.resolve(replayed(found.result, Math.max(0, a.ctx.clock.now() - found.at)));
    }
    const local = runs.get(a.key);
    if (local !== undefined) return join(a.ctx, local);
    // Another replica runs the key: ask again every pollMs (claiming it if it was freed) until waitMs.
    if (waitedMs >= o.waitMs) return Promise.reject(stillRunning(a.ctx));
    return sleep(a.ctx.clock, o.pollMs, a.ctx.signal).then(
      () => claim(a, waitedMs + o.pollMs),
      (reason: unknown) => Promise.reject(cancelled(a.ctx, reason)),
    );
  }

  function claim(a: Attempt, waitedMs: number): Promise<CallToolResult> {
    let found: Found | Promise<Found>;
    try {
      found = store.claim(
        a.key,
        { fingerprint: a.fingerprint, owner: a.owner, at: a.ctx.clock.now() },
        o.pendingTtlMs,
      );
    } catch (error) {
      return outage(a.ctx, a.next, error);
    }
    if (isPromise(found)) {
      return Promise.resolve(found).then(
        (record) => answer(a, record, waitedMs),
        (error: unknown) => outage(a.ctx, a.next, error),
      );
    }
    return answer(a, found, waitedMs);
  }

  return function idempotency(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    if (!o.applies(ctx.tool)) return next(ctx);
    let given: string | undefined;
    try {
      given = metaKeyOf(ctx, o.maxKeyChars);
      if (given === undefined) {
        const fields = o.keyArgs(ctx.tool.name);
        if (fields !== undefined) given = argsKeyOf(ctx, fields, o.maxKeyChars);
      }
    } catch (error) {
      ctx.emit({ type: 'reject', code: 'INVALID_ARGUMENTS', source: SOURCE });
      return Promise.reject(error);
    }
    if (given === undefined) return next(ctx);
    const key = storeKeyOf(principalIdOf(ctx), given);
    let fingerprint: string;
    try {
      fingerprint = fingerprintOf(ctx.tool.name, ctx.args);
    } catch (error) {
      ctx.emit({ type: 'reject', code: 'INVALID_ARGUMENTS', source: SOURCE });
      return Promise.reject(
        new MiddlewareError(
          'INVALID_ARGUMENTS',
          `call to tool \`${ctx.tool.name}\` refused: its args have no JSON form`,
          { cause: error },
        ),
      );
    }
    // A repeat of a run in this process joins it without a store round trip.
    const local = runs.get(key);
    if (local !== undefined)
      return local.fingerprint === fingerprint ? join(ctx, local) : Promise.reject(conflict(ctx));
    return claim({ ctx, next, key, fingerprint, owner: `${PROCESS}:${++runCount}` }, 0);
  };
}
