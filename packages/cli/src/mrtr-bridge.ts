/**
 * The MRTR bridge (SEP-2322): a 2026-07-28 client's `tools/call` on a 2025-11-25 upstream runs alone on
 * an upstream session declaring only the client's sampling/elicitation/roots (bridge-sessions.ts); what
 * the upstream asks mid-call becomes an `input_required` result, and the client's retry with
 * `inputResponses` and the `requestState` answers it. A `requestState` names one held call: random,
 * accepted once, from the caller it was issued to, for a bounded time, after which the call is cancelled
 * upstream.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, McpError, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { principalIdOf } from '@mcp-middleware/core/helpers';
import { BridgeSessions, sessionKey } from './bridge-sessions.js';
import { BridgedCall, type ProgressListener, type RoundEnd } from './bridged-call.js';
import type { UpstreamConnection } from './upstream.js';

/** What names the caller: a tool call's context (its principal, else its OAuth client). */
export type Caller = Parameters<typeof principalIdOf>[0];

const principalOf = (round: BridgeRound): string | undefined =>
  round.caller === undefined ? undefined : principalIdOf(round.caller);

/** One round of a bridged call: the client's request that waits for it. */
export interface BridgeRound {
  /** Who is calling (its principal, by core's `principalIdOf`); a held call is resumed only by the same one. */
  readonly caller?: Caller | undefined;
  readonly signal: AbortSignal;
  /** How long this round waits for the upstream, and how long a held call waits for the client's retry. */
  readonly timeoutMs: number;
  readonly onprogress?: ProgressListener | undefined;
}

interface Held {
  readonly call: BridgedCall;
  readonly key: string;
  readonly principal: string | undefined;
  readonly timer: NodeJS.Timeout;
}

/** The client capabilities the bridge can answer for: what a held call may ask. */
export function bridgedCapabilities(client: unknown): ClientCapabilities | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const { sampling, elicitation, roots } = client as ClientCapabilities;
  if (sampling === undefined && elicitation === undefined && roots === undefined) return undefined;
  return {
    ...(sampling !== undefined && { sampling }),
    ...(elicitation !== undefined && { elicitation }),
    ...(roots !== undefined && { roots }),
  };
}

/** The JSON-RPC error for a `requestState` the gateway does not hold (unknown, used, expired, another caller's). */
export function unknownRequestState(holdMs: number): McpError {
  const message =
    `unknown or expired requestState: the gateway holds a call for ${holdMs} ms after it asks for input, ` +
    'accepts its requestState once and only from the caller it was issued to; call the tool again ' +
    'without requestState and inputResponses to start over';
  const error = new McpError(ErrorCode.InvalidParams, message, { reason: 'invalid_request_state' });
  error.message = message;
  return error;
}

/** Holds the bridged calls waiting for their client's next round. */
export class MrtrBridge {
  readonly #sessions: BridgeSessions;
  readonly #held = new Map<string, Held>();

  constructor(open: (capabilities: ClientCapabilities) => Promise<UpstreamConnection>) {
    this.#sessions = new BridgeSessions(open);
  }

  /** Upstream sessions idle between calls. */
  get idle(): number {
    return this.#sessions.idle;
  }

  /** Drops the idle sessions: the upstream restarted, so they are gone on its side. */
  reset(): void {
    void this.#sessions.close();
  }

  /** Calls held now, waiting for a retry. */
  get held(): number {
    return this.#held.size;
  }

  /** Starts `params` (a `tools/call`) on its own upstream session declaring `capabilities`, and runs its first round. */
  async start(
    params: Record<string, unknown>,
    capabilities: ClientCapabilities,
    round: BridgeRound,
  ): Promise<Record<string, unknown>> {
    const principal = principalOf(round);
    const key = sessionKey(principal, capabilities);
    const call = new BridgedCall(await this.#sessions.take(key, capabilities));
    call.begin(params);
    return this.#round(call, key, principal, round);
  }

  /** Resumes the call `requestState` names with the client's `inputResponses`, and runs its next round. */
  resume(
    requestState: unknown,
    inputResponses: unknown,
    round: BridgeRound,
  ): Promise<Record<string, unknown>> {
    const held = typeof requestState === 'string' ? this.#held.get(requestState) : undefined;
    const principal = principalOf(round);
    if (held === undefined || held.principal !== principal) {
      return Promise.reject(unknownRequestState(round.timeoutMs));
    }
    this.#held.delete(requestState as string);
    clearTimeout(held.timer);
    const responses = typeof inputResponses === 'object' && inputResponses !== null ? inputResponses : {};
    held.call.answer(responses as Record<string, unknown>);
    return this.#round(held.call, held.key, principal, round);
  }

  async #round(
    call: BridgedCall,
    key: string,
    principal: string | undefined,
    round: BridgeRound,
  ): Promise<Record<string, unknown>> {
    let end: RoundEnd;
    try {
      end = await call.round(round.signal, round.timeoutMs, round.onprogress);
    } catch (error) {
      void call.end(describe(error));
      throw error;
    }
    if (end.kind === 'done') {
      this.#sessions.give(key, call.connection);
      return end.result;
    }
    const requestState = randomBytes(24).toString('base64url');
    const timer = setTimeout(() => {
      this.#held.delete(requestState);
      void call.end(`the client did not answer within ${round.timeoutMs} ms; the call was cancelled`);
    }, round.timeoutMs);
    timer.unref();
    this.#held.set(requestState, { call, key, principal, timer });
    return { resultType: 'input_required', inputRequests: end.inputRequests, requestState };
  }

  /** Cancels every held call and closes the idle sessions (the gateway is closing). */
  async close(): Promise<void> {
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const h of held) clearTimeout(h.timer);
    await Promise.allSettled([
      ...held.map((h) => h.call.end('the gateway is shutting down')),
      this.#sessions.close(),
    ]);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'the call ended';
}
