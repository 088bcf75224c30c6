/**
 * How many upstream sessions the MRTR bridge holds open. Each bridged call runs on a session of its own from
 * its start until it ends (done, failed, cancelled, or not resumed in time), and a session is never handed to
 * another call: a 2025-11-25 upstream's request carries nothing that names the call it belongs to, so a
 * request sent late by one call could not be told from one of the next call on the same session. A call held
 * for input keeps its session until its client retries, so the calls open at once are capped per principal
 * and in total, and a call past the cap is refused before a session is opened.
 */
import { ConfigError } from '@mcp-middleware/core';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

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

/** The JSON-RPC error for a bridged call refused because `limitName` (its value `max`) is reached. */
function full(limitName: keyof BridgeLimits, max: number, whose: string): McpError {
  const message =
    `the gateway already holds ${max} calls waiting on client input ${whose} (${limitName}); answer or ` +
    'abandon a pending input_required call (each is cancelled when not resumed within the request timeout) ' +
    `and try again, or raise ${limitName}`;
  const error = new McpError(ErrorCode.InternalError, message, { reason: 'bridge_full', limit: limitName });
  error.message = message;
  return error;
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

  /** Takes a slot for a call of `principal`, or throws the error naming the limit reached. */
  take(principal: string | undefined): void {
    if (this.#open >= this.#total) throw full('maxCalls', this.#total, 'in all');
    if (principal !== undefined) {
      const count = this.#byPrincipal.get(principal) ?? 0;
      if (count >= this.#perPrincipal)
        throw full('maxCallsPerPrincipal', this.#perPrincipal, 'for this caller');
      this.#byPrincipal.set(principal, count + 1);
    }
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
