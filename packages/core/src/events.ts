/** A typed event channel per pipeline: middlewares publish what they did, observers subscribe. */
import type { ErrorCode } from './errors.js';
import type { ToolContext } from './contract.js';

/** Everything a middleware may publish. Carry no secrets, tokens or raw args. */
export type MiddlewareEvent =
  | {
      readonly type: 'retry';
      readonly attempt: number;
      readonly delayMs: number;
      readonly code: string | undefined;
    }
  | {
      readonly type: 'give-up';
      readonly attempts: number;
      readonly reason: 'exhausted' | 'not-retryable' | 'budget' | 'cancelled' | 'max-time';
    }
  | { readonly type: 'reject'; readonly code: ErrorCode; readonly source: string }
  | {
      readonly type: 'breaker';
      readonly key: string;
      readonly tool: string | undefined;
      readonly state: 'open' | 'half-open' | 'closed';
    }
  | {
      readonly type: 'cache';
      readonly result: 'hit' | 'miss' | 'stale' | 'bypass';
      readonly ageMs?: number;
      readonly reason?: string;
    }
  | { readonly type: 'timeout'; readonly timeoutMs: number }
  | { readonly type: 'warning'; readonly source: string; readonly message: string; readonly cause?: unknown };

/** The event types, for exhaustive switches. */
export type MiddlewareEventType = MiddlewareEvent['type'];

/** Receives events; `ctx` is the call's context, or undefined for events outside a call (a breaker timer). */
export type EventListener = (event: MiddlewareEvent, ctx: ToolContext | undefined) => void;

/** Fan-out of events to listeners. A throwing listener is reported once and never fails a call. */
export class EventChannel {
  #listeners: EventListener[] = [];
  #reported = new WeakSet<EventListener>();

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** True when someone listens, so publishers can skip building events. */
  get active(): boolean {
    return this.#listeners.length > 0;
  }

  emit(event: MiddlewareEvent, ctx?: ToolContext): void {
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      const listener = listeners[i] as EventListener;
      try {
        listener(event, ctx);
      } catch (error) {
        if (!this.#reported.has(listener)) {
          this.#reported.add(listener);
          process.emitWarning(
            `an mcp-middleware event listener threw: ${String(error)}`,
            'McpMiddlewareWarning',
          );
        }
      }
    }
  }
}
