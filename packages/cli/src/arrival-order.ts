/**
 * Delivers an upstream's messages in the order they arrived. SDK 1.x dispatches notifications one
 * microtask after they arrive but responses at once, so progress written just before a result is
 * dropped as "unknown token" (modelcontextprotocol/typescript-sdk#2580). Holding responses and the
 * close event back by one microtask lets the notifications ahead of them run first.
 */
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamLane, type LaneSender } from './upstream-lane.js';

/**
 * A transport decorator that keeps arrival order between notifications and responses, and carries the
 * connection's {@link UpstreamLane}: what the lane takes never reaches the Client.
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
      if ('method' in message) this.onmessage?.(message, extra);
      else queueMicrotask(() => this.onmessage?.(message, extra));
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
