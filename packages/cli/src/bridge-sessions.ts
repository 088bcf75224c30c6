/**
 * How many upstream sessions the MRTR bridge holds open. Each bridged call runs on a session of its own from
 * its start until it ends (done, failed, cancelled, or not resumed in time), and a session is never handed to
 * another call: a 2025-11-25 upstream's request carries nothing that names the call it belongs to, so a
 * request sent late by one call could not be told from one of the next call on the same session. A call held
 * for input keeps its session until its client retries, so the calls open at once are capped per principal
 * and in total; a call past the cap opens no session and runs on the gateway's shared 2025 connection
 * instead (modern-upstream.ts), where a plain call is served as before the bridge and only a question from
 * the upstream fails.
 */
import { ConfigError } from '@mcp-middleware/core';

/** Limits on the bridge's calls open at once (running, or held for their client's retry). */
export interface BridgeLimits {
  /**
   * Bridged calls one principal may have open at once. Calls without a principal (no auth) are bound by
   * `maxCalls` only: nothing tells their callers apart.
   * @default 16
   */
  readonly maxCallsPerPrincipal?: number | undefined;
  /**
   * Bridged calls open at once in all, each holding one upstream session.
   * @default 256
   */
  readonly maxCalls?: number | undefined;
}

function limit(path: keyof BridgeLimits, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(path, `${path} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

/** Counts the bridge's open calls per principal and in all; a call takes a slot before its session opens. */
export class BridgeSlots {
  readonly #perPrincipal: number;
  readonly #total: number;
  readonly #byPrincipal = new Map<string, number>();
  #open = 0;

  constructor(limits: BridgeLimits = {}) {
    this.#perPrincipal = limit('maxCallsPerPrincipal', limits.maxCallsPerPrincipal, 16);
    this.#total = limit('maxCalls', limits.maxCalls, 256);
  }

  /** Calls open now. */
  get open(): number {
    return this.#open;
  }

  /** Takes a slot for a call of `principal`; when none is free, takes nothing and returns the limit reached. */
  take(principal: string | undefined): keyof BridgeLimits | undefined {
    const reached = this.#reached(principal);
    if (reached === undefined) this.#count(principal);
    return reached;
  }

  #reached(principal: string | undefined): keyof BridgeLimits | undefined {
    if (this.#open >= this.#total) return 'maxCalls';
    if (principal === undefined) return undefined;
    return (this.#byPrincipal.get(principal) ?? 0) >= this.#perPrincipal ? 'maxCallsPerPrincipal' : undefined;
  }

  #count(principal: string | undefined): void {
    if (principal !== undefined)
      this.#byPrincipal.set(principal, (this.#byPrincipal.get(principal) ?? 0) + 1);
    this.#open += 1;
  }

  /** Gives back the slot of a call of `principal` that ended. */
  give(principal: string | undefined): void {
    this.#open -= 1;
    if (principal === undefined) return;
    const count = (this.#byPrincipal.get(principal) ?? 1) - 1;
    if (count === 0) this.#byPrincipal.delete(principal);
    else this.#byPrincipal.set(principal, count);
  }
}
