/**
 * The channels a middleware publishes to outside any call (a timer, a store outage), held weakly: a
 * middleware shared by pipelines built per request or per session must not keep each pipeline's channel
 * alive after its server is gone.
 */
import type { EventChannel, MiddlewareEvent } from './events.js';

export class WeakChannels {
  readonly #refs = new Set<WeakRef<EventChannel>>();
  readonly #known = new WeakSet<EventChannel>();
  readonly #forget = new FinalizationRegistry<WeakRef<EventChannel>>((ref) => this.#refs.delete(ref));

  /** Adds `channel` once; adding it again does nothing. */
  add(channel: EventChannel): void {
    if (this.#known.has(channel)) return;
    this.#known.add(channel);
    const ref = new WeakRef(channel);
    this.#refs.add(ref);
    this.#forget.register(channel, ref);
  }

  /** How many channels are still alive. */
  get size(): number {
    let alive = 0;
    for (const ref of this.#refs) if (ref.deref() !== undefined) alive++;
    return alive;
  }

  /** Publishes `event` on every live channel that has listeners. */
  emit(event: MiddlewareEvent): void {
    for (const ref of this.#refs) {
      const channel = ref.deref();
      if (channel === undefined) this.#refs.delete(ref);
      else if (channel.active) channel.emit(event);
    }
  }
}
