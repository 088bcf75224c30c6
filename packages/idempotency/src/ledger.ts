/** Ledger: the keys one idempotency() knows: runs in flight in this process, and its store for the rest. */
import { MiddlewareError, type CallToolResult, type Next, type ToolContext } from '@mcp-middleware/core';
import { sleep } from '@mcp-middleware/core/helpers';
import type { ResolvedOptions } from './options.js';
import { cancelled, conflict, stillRunning } from './refusals.js';
import { replayed } from './replay.js';
import type { IdempotencyRecord, IdempotencyStore } from './store.js';

const SOURCE = 'idempotency';

/** A run in progress in this process: repeats join it instead of asking the store. */
export interface Run {
  readonly fingerprint: string;
  readonly promise: Promise<CallToolResult>;
}

type Found = IdempotencyRecord | undefined;

/** One call with a key, as it goes from claim to answer. */
export interface Attempt {
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

/** True for a result of the 2026-07-28 revision that asks the client for input: a round, not an answer. */
function isInputRequired(result: CallToolResult): boolean {
  return (result as { resultType?: unknown }).resultType === 'input_required';
}

/**
 * The state one idempotency() keeps: the runs in flight in this process (a repeat joins one without a
 * store round trip) and its store, where a key is claimed, completed with a result, or released. Built once
 * per idempotency().
 */
export class Ledger {
  private readonly runs = new Map<string, Run>();
  private readonly store: IdempotencyStore;

  constructor(private readonly o: ResolvedOptions) {
    this.store = o.store;
  }

  /** A run of `key` in flight in this process, if any. */
  local(key: string): Run | undefined {
    return this.runs.get(key);
  }

  /** Waits for a run of this process on behalf of one repeat, who may leave on its own signal. */
  join(ctx: ToolContext, run: Run): Promise<CallToolResult> {
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

  /** Claims the key in the store, then runs the call, replays a result, or waits for another replica. */
  claim(a: Attempt, waitedMs: number): Promise<CallToolResult> {
    let found: Found | Promise<Found>;
    try {
      found = this.store.claim(
        a.key,
        { fingerprint: a.fingerprint, owner: a.owner, at: a.ctx.clock.now() },
        this.o.pendingTtlMs,
      );
    } catch (error) {
      return this.outage(a.ctx, a.next, error);
    }
    if (isPromise(found)) {
      return Promise.resolve(found).then(
        (record) => this.answer(a, record, waitedMs),
        (error: unknown) => this.outage(a.ctx, a.next, error),
      );
    }
    return this.answer(a, found, waitedMs);
  }

  // What the store held when we tried to claim: a result to replay, a conflict, or another replica's run.
  private answer(a: Attempt, found: Found, waitedMs: number): Promise<CallToolResult> {
    if (found === undefined) return this.runFirst(a);
    if (found.fingerprint !== a.fingerprint) return Promise.reject(conflict(a.ctx));
    if (found.result !== undefined) {
      return Promise.resolve(replayed(found.result, Math.max(0, a.ctx.clock.now() - found.at)));
    }
    const local = this.runs.get(a.key);
    if (local !== undefined) return this.join(a.ctx, local);
    // Another replica runs the key: ask again every pollMs (claiming it if it was freed) until waitMs.
    if (waitedMs >= this.o.waitMs) return Promise.reject(stillRunning(a.ctx, this.o.pollMs));
    return sleep(a.ctx.clock, this.o.pollMs, a.ctx.signal).then(
      () => this.claim(a, waitedMs + this.o.pollMs),
      (reason: unknown) => Promise.reject(cancelled(a.ctx, reason)),
    );
  }

  // The first call with a key: run it, then store its result or free the key.
  private runFirst(a: Attempt): Promise<CallToolResult> {
    let promise: Promise<CallToolResult>;
    try {
      promise = a.next(a.ctx);
    } catch (error) {
      promise = Promise.reject(error);
    }
    const run: Run = { fingerprint: a.fingerprint, promise };
    this.runs.set(a.key, run);
    const settle = (): void => {
      if (this.runs.get(a.key) === run) this.runs.delete(a.key);
    };
    promise.then(
      (result) => {
        settle();
        this.keep(a, result);
      },
      () => {
        settle();
        this.release(a);
      },
    );
    return promise;
  }

  private keep(a: Attempt, result: CallToolResult): void {
    if (isInputRequired(result) || (result.isError === true && !this.o.storeToolErrors))
      return this.release(a);
    const { ctx } = a;
    try {
      const record = { fingerprint: a.fingerprint, at: ctx.clock.now(), json: JSON.stringify(result) };
      const done = this.store.complete(a.key, a.owner, record, this.o.ttlMs);
      if (isPromise(done)) done.catch((error: unknown) => this.storeFailed(ctx, 'store a result', error));
    } catch (error) {
      this.storeFailed(ctx, 'store a result', error);
      this.release(a);
    }
  }

  private release(a: Attempt): void {
    try {
      const done = this.store.release(a.key, a.owner);
      if (isPromise(done)) done.catch((error: unknown) => this.storeFailed(a.ctx, 'free a key', error));
    } catch (error) {
      this.storeFailed(a.ctx, 'free a key', error);
    }
  }

  private outage(ctx: ToolContext, next: Next, error: unknown): Promise<CallToolResult> {
    this.storeFailed(ctx, 'claim a key', error);
    if (this.o.onStoreError === 'run') return next(ctx);
    ctx.emit({ type: 'reject', code: 'INTERNAL', source: SOURCE });
    return Promise.reject(
      new MiddlewareError(
        'INTERNAL',
        `call to tool \`${ctx.tool.name}\` refused: its idempotency key cannot be checked now (store unavailable), so it was not run; retry later with the same key`,
        { retryable: true, data: { reason: 'idempotency_store_unavailable' }, cause: error },
      ),
    );
  }

  private storeFailed(ctx: ToolContext, what: string, error: unknown): void {
    ctx.emit({
      type: 'warning',
      source: SOURCE,
      message: `idempotency: the ${this.store.name} store failed to ${what}`,
      cause: error,
    });
  }
}
