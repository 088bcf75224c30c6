/**
 * The MRTR bridge (SEP-2322): a 2026-07-28 client's `tools/call`, `prompts/get` or `resources/read` on a
 * 2025-11-25 upstream runs alone on an upstream session declaring only the client's
 * sampling/elicitation/roots (bridge-sessions.ts); what the upstream asks mid-request becomes an
 * `input_required` result, and the client's retry with `inputResponses` and the `requestState` answers it.
 * A `requestState` names one held call: random, accepted once, from the caller it was issued to, for the
 * method, name or URI and arguments it was issued for (bridge-binding.ts), for a bounded time, after which
 * the call is cancelled upstream. Calls open at once are capped (bridge-sessions.ts): past the cap `start`
 * declines, and the caller runs the request unbridged.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, McpError, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { principalIdOf } from '@mcp-middleware/core/helpers';
import {
  bindingOf,
  matches,
  mismatchedRequestState,
  unknownRequestState,
  type Binding,
} from './bridge-binding.js';
import { BridgeSlots, type BridgeLimits } from './bridge-sessions.js';
import { BridgedCall, type ProgressListener, type RoundEnd } from './bridged-call.js';
import type { UpstreamConnection } from './upstream.js';

/** What names the caller: a request's context (its principal, else its OAuth client). */
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

/** A bridged call from its start to its end, with what a retry must match to resume it. */
interface Live {
  readonly call: BridgedCall;
  readonly principal: string | undefined;
  readonly binding: Binding;
}

interface Held {
  readonly live: Live;
  readonly timer: NodeJS.Timeout;
}

/** Options of {@link MrtrBridge}. */
export type MrtrBridgeOptions = BridgeLimits;

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

/** Holds the bridged calls waiting for their client's next round. */
export class MrtrBridge {
  readonly #open: (capabilities: ClientCapabilities) => Promise<UpstreamConnection>;
  readonly #slots: BridgeSlots;
  readonly #live = new Set<Live>();
  readonly #held = new Map<string, Held>();
  #closed = false;

  constructor(
    open: (capabilities: ClientCapabilities) => Promise<UpstreamConnection>,
    options: MrtrBridgeOptions = {},
  ) {
    this.#open = open;
    this.#slots = new BridgeSlots(options);
  }

  /** Bridged calls open now (running, or held), each on an upstream session of its own. */
  get open(): number {
    return this.#live.size;
  }

  /** Calls held now, waiting for a retry. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Starts `method` (one of BRIDGED_METHODS) with `params` on its own upstream session declaring
   * `capabilities`, and runs its first round; undefined (nothing opened) when a cap is reached, so the caller
   * runs it unbridged: a call that never asks its client anything is never refused for bridge capacity.
   */
  start(
    method: string,
    params: Record<string, unknown>,
    capabilities: ClientCapabilities,
    round: BridgeRound,
  ): Promise<Record<string, unknown>> | undefined {
    if (this.#closed) return Promise.reject(shuttingDown());
    const principal = principalOf(round);
    if (this.#slots.take(principal) !== undefined) return undefined;
    return this.#begin(method, params, capabilities, round, principal);
  }

  async #begin(
    method: string,
    params: Record<string, unknown>,
    capabilities: ClientCapabilities,
    round: BridgeRound,
    principal: string | undefined,
  ): Promise<Record<string, unknown>> {
    let connection: UpstreamConnection;
    try {
      connection = await this.#open(capabilities);
    } catch (error) {
      this.#slots.give(principal);
      throw error;
    }
    const live: Live = {
      call: new BridgedCall(connection),
      principal,
      binding: bindingOf(method, params),
    };
    this.#live.add(live);
    // The client may have gone, or the gateway closed, while the session opened: the tool must not run.
    if (this.#closed || round.signal.aborted) {
      const reason: unknown = this.#closed ? shuttingDown() : round.signal.reason;
      await this.#finish(live, describe(reason));
      throw reason;
    }
    live.call.begin(method, params);
    return this.#round(live, round);
  }

  /** Resumes the call the retry's `requestState` names with its `inputResponses`, and runs its next round. */
  resume(
    method: string,
    params: Readonly<Record<string, unknown>>,
    round: BridgeRound,
  ): Promise<Record<string, unknown>> {
    const requestState = params['requestState'];
    const held = typeof requestState === 'string' ? this.#held.get(requestState) : undefined;
    if (held === undefined || held.live.principal !== principalOf(round)) {
      return Promise.reject(unknownRequestState(round.timeoutMs));
    }
    // Bound to the request it was issued for: the pipeline checked this retry's target, which must be that one.
    if (!matches(held.live.binding, method, params)) return Promise.reject(mismatchedRequestState());
    this.#held.delete(requestState as string);
    clearTimeout(held.timer);
    const inputResponses = params['inputResponses'];
    const responses = typeof inputResponses === 'object' && inputResponses !== null ? inputResponses : {};
    held.live.call.answer(responses as Record<string, unknown>);
    return this.#round(held.live, round);
  }

  async #round(live: Live, round: BridgeRound): Promise<Record<string, unknown>> {
    let end: RoundEnd;
    try {
      end = await live.call.round(round.signal, round.timeoutMs, round.onprogress);
    } catch (error) {
      void this.#finish(live, describe(error));
      throw error;
    }
    if (this.#closed) {
      void this.#finish(live, 'the gateway is shutting down');
      throw shuttingDown();
    }
    if (end.kind === 'done') {
      void this.#finish(live, 'the call has ended');
      return end.result;
    }
    const requestState = randomBytes(24).toString('base64url');
    const timer = setTimeout(() => {
      this.#held.delete(requestState);
      void this.#finish(
        live,
        `the client did not answer within ${round.timeoutMs} ms; the call was cancelled`,
      );
    }, round.timeoutMs);
    timer.unref();
    this.#held.set(requestState, { live, timer });
    return { resultType: 'input_required', inputRequests: end.inputRequests, requestState };
  }

  /** Ends a call once: what it still waits on is refused, its session closed, its slot given back. */
  #finish(live: Live, reason: string): Promise<void> {
    if (!this.#live.delete(live)) return Promise.resolve();
    this.#slots.give(live.principal);
    return live.call.end(reason);
  }

  /** Cancels every open call, held or running (the gateway is closing); a round that ends later holds nothing. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const held of this.#held.values()) clearTimeout(held.timer);
    this.#held.clear();
    await Promise.allSettled(
      [...this.#live].map((live) => this.#finish(live, 'the gateway is shutting down')),
    );
  }
}

function shuttingDown(): McpError {
  const error = new McpError(ErrorCode.ConnectionClosed, 'the gateway is shutting down');
  error.message = 'the gateway is shutting down';
  return error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'the call ended';
}
