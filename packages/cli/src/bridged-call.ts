/**
 * One 2026-07-28 client's `tools/call`, `prompts/get` or `resources/read` running on a 2025-11-25 upstream
 * connection of its own: what the upstream asks the client mid-request (sampling, elicitation, roots/list)
 * is queued here, handed out as the entries of an `input_required` result, and answered with the client's
 * `inputResponses` when it retries. The session runs this request alone while it lasts, so everything it
 * asks belongs to this request.
 */
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  McpError,
  ResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConnection } from './upstream.js';
import { answerError } from './upstream-routing.js';

/** An input request as a 2026 client gets it in `inputRequests`: the method and its params. */
export interface InputRequest {
  readonly method: string;
  readonly params?: Record<string, unknown> | undefined;
}

/** What one round of waiting on the upstream ends with. */
export type RoundEnd =
  | { readonly kind: 'asks'; readonly inputRequests: Record<string, InputRequest> }
  | { readonly kind: 'done'; readonly result: Record<string, unknown> };

/** Hears the upstream's progress on the call. */
export type ProgressListener = (progress: { progress: number; total?: number; message?: string }) => void;

interface Outcome {
  readonly result?: Record<string, unknown>;
  readonly error?: unknown;
}

interface Asked {
  readonly key: string;
  readonly request: InputRequest;
  readonly answer: (result: Record<string, unknown>) => void;
  readonly refuse: (error: Error) => void;
}

// The upstream call itself never times out on its own: each round and each hold is bounded by the bridge.
const NO_TIMEOUT_MS = 2_147_483_647;

/** An upstream call whose server-to-client requests wait for the client's next round. */
export class BridgedCall {
  readonly #connection: UpstreamConnection;
  readonly #abort = new AbortController();
  // Asked by the upstream, not yet handed to the client; then handed out, waiting for the client's answer.
  readonly #queued: Asked[] = [];
  readonly #handedOut = new Map<string, Asked>();
  #outcome: Outcome | undefined;
  #wake: (() => void) | undefined;
  #touch: (() => void) | undefined;
  #keys = 0;
  #onprogress: ProgressListener | undefined;

  constructor(connection: UpstreamConnection) {
    this.#connection = connection;
    const { client, declared } = connection;
    const ask = (request: { method: string; params?: Record<string, unknown> | undefined }): Promise<never> =>
      new Promise((resolve, reject) => {
        // Sent after the call ended (its session is closing, never handed to another call): no one to ask.
        if (this.#outcome !== undefined) {
          reject(answerError(ErrorCode.InternalError, 'the call this request belongs to has ended'));
          return;
        }
        const key = `r${++this.#keys}`;
        const input: InputRequest = { method: request.method, params: request.params };
        this.#queued.push({ key, request: input, answer: resolve as never, refuse: reject });
        this.#wake?.();
      });
    // The SDK refuses a handler for a capability the connection did not declare; it declared the client's.
    if (declared.sampling !== undefined) client.setRequestHandler(CreateMessageRequestSchema, ask);
    if (declared.elicitation !== undefined) client.setRequestHandler(ElicitRequestSchema, ask);
    if (declared.roots !== undefined) client.setRequestHandler(ListRootsRequestSchema, ask);
  }

  /** The upstream session the call runs on. */
  get connection(): UpstreamConnection {
    return this.#connection;
  }

  /** Sends the request upstream; its outcome is read by {@link BridgedCall.round}. */
  begin(method: string, params: Record<string, unknown>): void {
    this.#connection.client
      .request({ method, params }, ResultSchema, {
        signal: this.#abort.signal,
        timeout: NO_TIMEOUT_MS,
        onprogress: (progress) => {
          this.#touch?.();
          this.#onprogress?.(progress as never);
        },
      })
      .then(
        (result) => this.#settle({ result }),
        (error: unknown) => this.#settle({ error }),
      );
  }

  #settle(outcome: Outcome): void {
    this.#outcome = outcome;
    this.#wake?.();
  }

  /** Answers what the client was asked with its `inputResponses`; what it left out is asked again. */
  answer(responses: Readonly<Record<string, unknown>>): void {
    const unanswered: Asked[] = [];
    for (const [key, asked] of this.#handedOut) {
      const response = responses[key];
      if (typeof response === 'object' && response !== null) asked.answer(response as never);
      else unanswered.push(asked);
    }
    this.#handedOut.clear();
    this.#queued.unshift(...unanswered);
  }

  /**
   * Waits for the upstream's next move: the call's result, or what it asks the client. Rejects when the
   * call fails, when `signal` aborts (the call is then cancelled upstream) or when `timeoutMs` passes.
   */
  async round(
    signal: AbortSignal,
    timeoutMs: number,
    onprogress: ProgressListener | undefined,
  ): Promise<RoundEnd> {
    this.#onprogress = onprogress;
    try {
      await this.#nextMove(signal, timeoutMs);
    } finally {
      this.#onprogress = undefined;
    }
    if (this.#queued.length > 0) {
      const inputRequests: Record<string, InputRequest> = {};
      for (const asked of this.#queued.splice(0)) {
        this.#handedOut.set(asked.key, asked);
        inputRequests[asked.key] = asked.request;
      }
      return { kind: 'asks', inputRequests };
    }
    const outcome = this.#outcome as Outcome;
    if (outcome.result === undefined) throw outcome.error;
    return { kind: 'done', result: outcome.result };
  }

  #nextMove(signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (this.#queued.length > 0 || this.#outcome !== undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.#wake = undefined;
        this.#touch = undefined;
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
      };
      const aborted = (): void => {
        done();
        reject(signal.reason as Error);
      };
      const expire = (): void => {
        done();
        reject(new McpError(ErrorCode.RequestTimeout, `the upstream did not answer within ${timeoutMs} ms`));
      };
      // Progress resets the wait, as it does for a call on the shared connection.
      let timer = setTimeout(expire, timeoutMs);
      this.#touch = () => {
        clearTimeout(timer);
        timer = setTimeout(expire, timeoutMs);
      };
      this.#wake = () => {
        done();
        resolve();
      };
      if (signal.aborted) aborted();
      else signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Gives the call up: what the upstream still waits on is refused with `reason`, the call cancelled, the session closed. */
  async end(reason: string): Promise<void> {
    const error = answerError(ErrorCode.InternalError, reason);
    for (const asked of [...this.#handedOut.values(), ...this.#queued]) asked.refuse(error);
    this.#handedOut.clear();
    this.#queued.length = 0;
    if (this.#outcome === undefined) this.#abort.abort(new Error(reason));
    // Let the refusals and the cancellation reach the upstream before its session ends.
    await new Promise((resolve) => setImmediate(resolve));
    await this.#connection.close().catch(() => undefined);
  }
}
