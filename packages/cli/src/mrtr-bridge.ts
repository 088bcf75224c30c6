/**
 * The MRTR bridge (SEP-2322): a 2026-07-28 client's `tools/call` on a 2025-11-25 upstream runs alone on
 * an upstream session declaring only the client's sampling/elicitation/roots (bridge-sessions.ts); what
 * the upstream asks mid-call becomes an `input_required` result, and the client's retry with
 * `inputResponses` and the `requestState` answers it. A `requestState` names one held call: random,
 * accepted once, from the caller it was issued to, with the tool name and arguments it was issued for, for a
 * bounded time, after which the call is cancelled upstream. Calls open at once are capped (bridge-sessions.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode, McpError, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { principalIdOf } from '@mcp-middleware/core/helpers';
import { BridgeSlots, type BridgeLimits } from './bridge-sessions.js';
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

/** A bridged call from its start to its end, with what a retry must match to resume it. */
interface Live {
  readonly call: BridgedCall;
  readonly principal: string | undefined;
  readonly name: unknown;
  readonly digest: string;
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

/** The JSON-RPC error for a `requestState` the gateway does not hold (unknown, used, expired, another caller's). */
export function unknownRequestState(holdMs: number): McpError {
  return invalidRequestState(
    `unknown or expired requestState: the gateway holds a call for ${holdMs} ms after it asks for input, ` +
      'accepts its requestState once and only from the caller it was issued to; call the tool again ' +
      'without requestState and inputResponses to start over',
  );
}

/** The JSON-RPC error for a retry whose tool name or arguments are not those its `requestState` was issued for. */
export function mismatchedRequestState(): McpError {
  return invalidRequestState(
    'requestState does not match this call: it was issued for another tool name or other arguments; retry ' +
      'with the name and arguments of the call that returned it, or call the tool again without ' +
      'requestState and inputResponses to start over',
  );
}

function invalidRequestState(message: string): McpError {
  const error = new McpError(ErrorCode.InvalidParams, message, { reason: 'invalid_request_state' });
  error.message = message;
  return error;
}

/** A digest of `value` as canonical JSON (object keys sorted), so the same arguments match in any key order. */
export function argumentsDigest(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value ?? {}, (_key, v: unknown) => (isPlainObject(v) ? sortedKeys(v) : v)))
    .digest('base64url');
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function sortedKeys(object: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort()) sorted[key] = object[key];
  return sorted;
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

  /** Starts `params` (a `tools/call`) on its own upstream session declaring `capabilities`, and runs its first round. */
  async start(
    params: Record<string, unknown>,
    capabilities: ClientCapabilities,
    round: BridgeRound,
  ): Promise<Record<string, unknown>> {
    if (this.#closed) throw shuttingDown();
    const principal = principalOf(round);
    this.#slots.take(principal);
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
      name: params['name'],
      digest: argumentsDigest(params['arguments']),
    };
    this.#live.add(live);
    // The client may have gone, or the gateway closed, while the session opened: the tool must not run.
    if (this.#closed || round.signal.aborted) {
      const reason: unknown = this.#closed ? shuttingDown() : round.signal.reason;
      await this.#finish(live, describe(reason));
      throw reason;
    }
    live.call.begin(params);
    return this.#round(live, round);
  }

  /** Resumes the call the retry's `requestState` names with its `inputResponses`, and runs its next round. */
  resume(params: Readonly<Record<string, unknown>>, round: BridgeRound): Promise<Record<string, unknown>> {
    const requestState = params['requestState'];
    const held = typeof requestState === 'string' ? this.#held.get(requestState) : undefined;
    if (held === undefined || held.live.principal !== principalOf(round)) {
      return Promise.reject(unknownRequestState(round.timeoutMs));
    }
    // Bound to the call it was issued for: the pipeline checked this retry's tool, which must be that one.
    if (params['name'] !== held.live.name || argumentsDigest(params['arguments']) !== held.live.digest) {
      return Promise.reject(mismatchedRequestState());
    }
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
