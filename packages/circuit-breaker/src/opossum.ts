/**
 * The one file that knows opossum. A breaker is made here only once its key's window trips: while closed,
 * the registry counts calls itself. opossum runs its reset timer (open → half-open) on the real
 * `setTimeout` and reads `Date.now()`, not the injected clock; `opossum.test.ts` pins what this package
 * relies on, so an upgrade that changes it fails loudly.
 */
import type { EventEmitter } from 'node:events';
import type { RequestContext } from '@mcp-middleware/core';
import CircuitBreaker from 'opossum';

/** What a breaker runs: the rest of the pipeline for one call. */
export type Run = (ctx: RequestContext) => Promise<unknown>;
/** An opossum breaker around `action(ctx, next)`. */
export type Breaker = CircuitBreaker<[RequestContext, Run], unknown>;

/** The options every breaker of one middleware shares. */
export interface OpossumSettings {
  readonly resetTimeoutMs: number;
  readonly errorThresholdPercentage: number;
  readonly volumeThreshold: number;
  readonly rollingWindowMs: number;
  readonly buckets: number;
  /** Emits `rotate` once per bucket: one timer for every breaker, instead of opossum's two intervals each. */
  readonly rotor: EventEmitter;
  /** opossum counts a rejection as a success when this returns true; it must never throw. */
  readonly errorFilter: (error: unknown, ctx?: RequestContext) => boolean;
}

/** A new opossum breaker named `key`, closed. */
export function makeBreaker(
  key: string,
  action: (ctx: RequestContext, next: Run) => Promise<unknown>,
  settings: OpossumSettings,
): Breaker {
  // opossum keeps and mutates its options object: each breaker gets its own.
  return new CircuitBreaker(action, {
    name: key,
    timeout: false,
    resetTimeout: settings.resetTimeoutMs,
    errorThresholdPercentage: settings.errorThresholdPercentage,
    volumeThreshold: settings.volumeThreshold,
    rollingCountTimeout: settings.rollingWindowMs,
    rollingCountBuckets: settings.buckets,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    rotateBucketController: settings.rotor,
    errorFilter: settings.errorFilter,
  });
}

/** True for opossum's rejection of a call while the breaker is open (or half-open with a probe out). */
export function isOpenRejection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  // The thrown value may be hostile (a revoked Proxy throws on any read).
  try {
    return CircuitBreaker.isOurError(error as Error) && (error as { code?: unknown }).code === 'EOPENBREAKER';
  } catch {
    return false;
  }
}
