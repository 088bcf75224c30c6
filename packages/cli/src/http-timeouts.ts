/**
 * The HTTP listener's connection timeouts. Node's defaults close an idle kept-alive connection after 5 s,
 * below the idle timeout of common load balancers (60 s on AWS ALB): the balancer then reuses a connection the
 * gateway is closing, and its client gets a sporadic 502. These defaults outlast such a balancer.
 */
import type { OptionReader } from '@mcp-middleware/core';

/** How long the listener keeps connections and waits for requests. */
export interface HttpTimeouts {
  /** An idle kept-alive connection is closed after this long (Node's `keepAliveTimeout`). */
  readonly keepAliveTimeoutMs: number;
  /** A client must have sent a request's headers within this (Node's `headersTimeout`). */
  readonly headersTimeoutMs: number;
  /**
   * A client must have sent a whole request, headers and body, within this; 0 for no bound (Node's
   * `requestTimeout`). It bounds receiving only: a response may stream (SSE) as long as it lasts.
   */
  readonly receiveTimeoutMs: number;
}

/** Above a 60 s balancer idle timeout (AWS ALB's default), with a margin. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;
const SECOND = 1000;
// Node's own default for a whole request.
const DEFAULT_RECEIVE_TIMEOUT_MS = 300_000;
const MAX_TIMER = 2_147_483_647;

/**
 * Reads `keepAliveTimeoutMs`, `headersTimeoutMs` and `receiveTimeoutMs` with `reader`: the headers timeout
 * must exceed the keep-alive one (a request arriving just before an idle close still gets its headers read),
 * and the receive timeout, unless 0, must be at least the headers one (Node refuses it otherwise).
 */
export function readHttpTimeouts(reader: OptionReader): HttpTimeouts {
  const keepAliveTimeoutMs = reader.integer('keepAliveTimeoutMs', {
    min: 1,
    max: MAX_TIMER,
    default: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  });
  const headersTimeoutMs = reader.integer('headersTimeoutMs', {
    min: 1,
    max: MAX_TIMER,
    default: Math.min(keepAliveTimeoutMs + SECOND, MAX_TIMER),
  });
  if (headersTimeoutMs <= keepAliveTimeoutMs) {
    reader.fail('headersTimeoutMs', `above keepAliveTimeoutMs (${keepAliveTimeoutMs})`);
  }
  const receiveTimeoutMs = reader.integer('receiveTimeoutMs', {
    min: 0,
    max: MAX_TIMER,
    default: Math.max(DEFAULT_RECEIVE_TIMEOUT_MS, headersTimeoutMs),
  });
  if (receiveTimeoutMs !== 0 && receiveTimeoutMs < headersTimeoutMs) {
    reader.fail('receiveTimeoutMs', `0 (no bound) or at least headersTimeoutMs (${headersTimeoutMs})`);
  }
  return { keepAliveTimeoutMs, headersTimeoutMs, receiveTimeoutMs };
}
