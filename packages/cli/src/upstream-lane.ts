/**
 * Requests the gateway sends on the upstream transport itself, past the SDK Client's Protocol: the hot
 * path of a forwarded `tools/call`. The Client's `request` costs a zod parse of every result, a closure set
 * and a timeout record per call; here a call is one map entry, one timer and one abort listener.
 *
 * Ids and progress tokens are strings with a prefix the SDK's numeric ids never take, so the two share
 * one connection: the lane takes its own responses and progress, everything else reaches the Client as
 * before. Responses settle one microtask after they arrive, as the Client's do behind
 * ArrivalOrderTransport, so a notification written just before a result still reaches its session first.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type JSONRPCMessage, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { malformedAnswer, responseFault } from './message-shapes.js';

/** How one lane request waits. */
export interface LaneOptions {
  readonly signal: AbortSignal;
  /** Bound on the wait; restarted by each progress notification when `onprogress` is given. */
  readonly timeout: number;
  /** Progress the upstream reports for this request (the lane sets the progress token). */
  readonly onprogress?: ((progress: Progress) => void) | undefined;
}

/**
 * Checks a result the lane got back, or turns it into the result the Client's schema would have made;
 * throws as that schema would.
 */
export type ResultCheck<R> = (result: Record<string, unknown>) => R;

/** A sender of the lane's own (not the transport's); `close()` ends what it still has open. */
export interface LaneSender {
  send(message: JSONRPCMessage): Promise<void>;
  /** Stops reading the answer to request `id`, given up on (cancelled, timed out). */
  abandon?(id: string): void;
  close(): void;
}

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: unknown): void;
  readonly onprogress: ((progress: Progress) => void) | undefined;
  readonly timer: NodeJS.Timeout;
}

const PREFIX = 'mcpmw-';

/**
 * Settles `pending` with `message`, the upstream's answer to its request. An answer the SDK's schema would
 * refuse (an HTTP upstream's body is not schema-checked on the way in, nor a stdio one's with an id) fails
 * the request as ArrivalOrderTransport fails the Client's, instead of passing on or being dropped.
 */
function settleWith(pending: Pending, message: JSONRPCMessage): void {
  const fault = responseFault(message);
  // Not an McpError: the upstream said nothing a client should see as its own protocol error.
  if (fault !== undefined)
    return pending.reject(new Error(malformedAnswer('the upstream MCP server', fault)));
  if ('result' in message) return pending.resolve(message.result);
  const {
    code,
    message: text,
    data,
  } = (message as { error: { code: number; message: string; data?: unknown } }).error;
  pending.reject(McpError.fromError(code, text, data));
}

/** The lane of one upstream connection. */
export class UpstreamLane {
  readonly #sender: LaneSender;
  readonly #pending = new Map<string, Pending>();
  #next = 0;
  #closed = false;

  /**
   * `sender` writes messages upstream; by default the transport's own `send`. An HTTP upstream's lane
   * posts itself (upstream-post.ts) and hands the answers to the transport's `onmessage`.
   */
  constructor(transport: Transport, sender?: LaneSender) {
    this.#sender = sender ?? { send: (message) => transport.send(message), close: () => undefined };
  }

  /** Sends `method` with `params` upstream and resolves with the result `check` passes. */
  request<R>(
    method: string,
    params: Record<string, unknown>,
    options: LaneOptions,
    check: ResultCheck<R>,
  ): Promise<R> {
    const { signal, onprogress } = options;
    if (this.#closed) return Promise.reject(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'));
    if (signal.aborted) return Promise.reject(signal.reason);
    const id = `${PREFIX}${++this.#next}`;
    const sent =
      onprogress === undefined
        ? params
        : { ...params, _meta: { ...(params._meta ?? {}), progressToken: id } };
    return new Promise<R>((resolve, reject) => {
      const settle = (): void => {
        this.#pending.delete(id);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const cancel = (reason: unknown): void => {
        if (!this.#pending.has(id)) return;
        settle();
        reject(reason);
        this.#sender
          .send({
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: id, reason: String(reason) },
          })
          .catch(() => undefined);
        // Nobody reads its answer now: a sender that holds a connection for it lets it go.
        this.#sender.abandon?.(id);
      };
      const onAbort = (): void => cancel(signal.reason);
      const timer = setTimeout(
        () =>
          cancel(new McpError(ErrorCode.RequestTimeout, 'Request timed out', { timeout: options.timeout })),
        options.timeout,
      );
      this.#pending.set(id, {
        resolve(result) {
          settle();
          try {
            resolve(check(result));
          } catch (error) {
            reject(error);
          }
        },
        reject(error) {
          settle();
          reject(error);
        },
        onprogress,
        timer,
      });
      signal.addEventListener('abort', onAbort);
      this.#sender.send({ jsonrpc: '2.0', id, method, params: sent }).catch((error: unknown) => {
        if (!this.#pending.has(id)) return;
        settle();
        reject(error);
      });
    });
  }

  /**
   * Takes `message` when it answers or reports progress on one of the lane's requests; false hands it to
   * the Client. Called in arrival order, before any of the Client's own deferral.
   */
  take(message: JSONRPCMessage): boolean {
    if ('method' in message) {
      if (message.method !== 'notifications/progress') return false;
      const { progressToken, ...progress } = (message.params ?? {}) as Progress & { progressToken?: unknown };
      const pending = typeof progressToken === 'string' ? this.#pending.get(progressToken) : undefined;
      if (pending === undefined) return false;
      pending.timer.refresh();
      // One microtask later, as the Client runs its notification handlers: a log line written before this
      // progress still reaches the client before it.
      const { onprogress } = pending;
      if (onprogress !== undefined) queueMicrotask(() => onprogress(progress));
      return true;
    }
    const id = (message as { id?: unknown }).id;
    if (typeof id !== 'string' || !id.startsWith(PREFIX)) return false;
    const pending = this.#pending.get(id);
    // A late answer to a request the lane gave up on (cancelled, timed out): nobody waits for it.
    if (pending === undefined) return true;
    queueMicrotask(() => settleWith(pending, message));
    return true;
  }

  /** The connection ended: every request still waiting fails as the Client's do. */
  close(): void {
    this.#closed = true;
    this.#sender.close();
    const error = new McpError(ErrorCode.ConnectionClosed, 'Connection closed');
    for (const pending of [...this.#pending.values()]) pending.reject(error);
  }
}
