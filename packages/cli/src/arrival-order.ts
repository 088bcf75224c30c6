/**
 * Delivers an upstream's messages in the order they arrived. SDK 1.x dispatches notifications one
 * microtask after they arrive but responses at once, so progress written just before a result is
 * dropped as "unknown token" (modelcontextprotocol/typescript-sdk#2580). Holding responses and the
 * close event back by one microtask lets the notifications ahead of them run first.
 */
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { inPlaceOfAnswer, invalidRequestAnswer, requestFault, responseFault } from './message-shapes.js';
import { UpstreamLane, type LaneSender } from './upstream-lane.js';

/**
 * A transport decorator that keeps arrival order between notifications and responses, and carries the
 * connection's {@link UpstreamLane}: what the lane takes never reaches the Client. It also makes sure every
 * request gets an answer: a malformed request from the upstream is answered with -32600 (the Client would
 * drop it), and a malformed answer to one of the Client's requests fails that request instead of leaving
 * it to time out. (A stdio transport hands such messages on only with stdio-client-reader.ts.)
 */
export class ArrivalOrderTransport implements Transport {
  readonly inner: Transport;
  readonly lane: UpstreamLane;
  onmessage?: ((message: JSONRPCMessage, extra?: MessageExtraInfo) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;

  /**
   * `sender`, when given, is the lane's own way upstream, made with this transport's `deliver` (what the
   * inner transport would hand on) and `onerror`.
   */
  constructor(
    inner: Transport,
    sender?: (deliver: (message: JSONRPCMessage) => void, onerror: (error: Error) => void) => LaneSender,
  ) {
    this.inner = inner;
    this.lane = new UpstreamLane(
      inner,
      sender?.(
        (message) => this.inner.onmessage?.(message),
        (error) => this.inner.onerror?.(error),
      ),
    );
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    this.inner.onmessage = (message, extra) => {
      if (this.lane.take(message)) return;
      if ('method' in message) {
        const fault = requestFault(message);
        if (fault === undefined) return this.onmessage?.(message, extra);
        this.inner
          .send(invalidRequestAnswer(message, fault))
          .catch((e: unknown) => this.onerror?.(e as Error));
        return;
      }
      const fault = responseFault(message);
      const handed =
        fault === undefined ? message : inPlaceOfAnswer(message, 'the upstream MCP server', fault);
      queueMicrotask(() => this.onmessage?.(handed, extra));
    };
    this.inner.onclose = () =>
      queueMicrotask(() => {
        this.lane.close();
        this.onclose?.();
      });
    this.inner.onerror = (error) => this.onerror?.(error);
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }
}
