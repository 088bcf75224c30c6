// Every layer that makes a call wait (for a credential, a cached run, a rate limit, a free slot, a retry's
// backoff, a deadline) ends the wait the same way when the request's signal aborts: a client's cancel is
// CANCELLED naming the tool, with the abort reason as its cause; a deadline above (a MiddlewareError reason)
// passes on as that very error. One builder in core makes both answers; this holds every layer to it.
import { describe, expect, it } from 'vitest';
import { auth } from '@mcp-middleware/auth';
import { cache } from '@mcp-middleware/cache';
import {
  MiddlewareError,
  isMiddlewareError,
  type CallToolResult,
  type Middleware,
  type Next,
} from '@mcp-middleware/core';
import { createTestContext, manualClock, textResult } from '@mcp-middleware/core/testing';
import { concurrencyLimit, rateLimit } from '@mcp-middleware/ratelimit';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';

const TOOL = { name: 'search', annotations: { readOnlyHint: true } };
const never = (): Promise<CallToolResult> => new Promise(() => undefined);
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One layer and a way to make a call wait in it: `occupy` runs first calls that leave no room. */
interface Waiting {
  readonly layer: Middleware;
  readonly next: Next;
  readonly occupy?: (call: (signal: AbortSignal) => Promise<unknown>) => void;
  /** The CANCELLED's cause when it is not the abort reason: retry's is the failure it was retrying. */
  readonly cause?: unknown;
}

const LAYERS: Record<string, () => Waiting> = {
  'auth (a resolver that never answers)': () => ({
    layer: auth({ from: () => new Promise(() => undefined) }),
    next: () => Promise.resolve(textResult('ok')),
  }),
  'cache (joined to a run in flight)': () => ({
    layer: cache({ ttlMs: 60_000 }),
    next: never,
    occupy: (call) => void call(new AbortController().signal).catch(() => undefined),
  }),
  'rateLimit (queued for its window)': () => ({
    layer: rateLimit({ limit: 1, windowMs: 60_000, mode: 'queue', maxWaitMs: 60_000 }),
    next: () => Promise.resolve(textResult('ok')),
    occupy: (call) => void call(new AbortController().signal),
  }),
  'concurrencyLimit (queued for a slot)': () => ({
    layer: concurrencyLimit({ max: 1, queue: 1, queueTimeoutMs: 60_000 }),
    next: never,
    occupy: (call) => void call(new AbortController().signal),
  }),
  'retry (in its backoff)': () => {
    const failure = new Error('connection reset');
    return {
      layer: retry({
        retries: 3,
        idempotent: true,
        maxRetryTimeMs: 60_000,
        backoff: { baseDelayMs: 5_000 },
        budget: false,
      }),
      next: () => Promise.reject(failure),
      cause: failure,
    };
  },
  'timeout (before its deadline)': () => ({
    layer: timeout({ timeoutMs: 60_000 }),
    next: never,
  }),
};

/** Starts a call that waits in the layer, aborts its signal with `reason`, and returns what it rejected with. */
async function abortWhileWaiting(waiting: Waiting, reason: unknown): Promise<unknown> {
  const { layer, next, occupy } = waiting;
  const clock = manualClock();
  const call = (signal: AbortSignal): Promise<unknown> =>
    Promise.resolve(
      (layer as (ctx: ReturnType<typeof createTestContext>, next: Next) => Promise<unknown>)(
        createTestContext({ tool: TOOL, args: { q: 'x' }, signal, clock }),
        next,
      ),
    );
  occupy?.(call);
  await settle();
  const controller = new AbortController();
  const answer = call(controller.signal).then(
    () => 'answered',
    (error: unknown) => error,
  );
  await settle();
  controller.abort(reason);
  return answer;
}

describe('a call cancelled while a layer makes it wait', () => {
  it.each(Object.keys(LAYERS))('%s: a client cancel is CANCELLED naming the tool', async (name) => {
    const reason = new Error('the client went away');
    const waiting = (LAYERS[name] as () => Waiting)();
    const error = await abortWhileWaiting(waiting, reason);
    expect(isMiddlewareError(error, 'CANCELLED'), String(error)).toBe(true);
    expect((error as MiddlewareError).message).toMatch(/^the call to tool `search` was cancelled/);
    expect((error as MiddlewareError).cause).toBe('cause' in waiting ? waiting.cause : reason);
  });

  it.each(Object.keys(LAYERS))('%s: a deadline above passes on as itself', async (name) => {
    const deadline = new MiddlewareError('TIMEOUT', 'the outer deadline passed');
    const error = await abortWhileWaiting((LAYERS[name] as () => Waiting)(), deadline);
    expect(error).toBe(deadline);
  });
});
