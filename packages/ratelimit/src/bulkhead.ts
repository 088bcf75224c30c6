/** concurrencyLimit()'s state: one bulkhead per key (its slots and its FIFO of waiters), and the map of them. */
import type { Clock, RequestContext, TimerHandle } from '@mcp-middleware/core';

/** A call waiting for a slot. */
export interface Waiter {
  readonly ctx: RequestContext;
  resolve: () => void;
  reject: (error: unknown) => void;
  timer: TimerHandle;
  clock: Clock;
  onAbort: () => void;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

/** One key's slots and its FIFO of waiters (a linked list, so a cancelled waiter leaves in O(1)). */
export class Bulkhead {
  active = 0;
  queued = 0;
  head: Waiter | undefined;
  tail: Waiter | undefined;

  push(waiter: Waiter): void {
    waiter.prev = this.tail;
    if (this.tail === undefined) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    this.queued++;
  }

  remove(waiter: Waiter): void {
    if (waiter.prev === undefined) this.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) this.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.queued--;
  }

  /** Hands the slot to the first waiter, or frees it. */
  release(): void {
    const waiter = this.head;
    if (waiter === undefined) {
      this.active--;
      return;
    }
    this.remove(waiter);
    waiter.clock.clearTimeout(waiter.timer);
    waiter.ctx.signal.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
  }
}

const IDLE_SWEEP_MIN = 1024;

/**
 * The bulkheads of one concurrencyLimit(), by key. Idle ones stay (deleting and recreating one per call
 * would churn the map) until the map doubles past the last sweep; then every idle one goes. Memory
 * follows the keys in use.
 */
export class Bulkheads {
  private readonly map = new Map<string, Bulkhead>();
  private sweepAt = IDLE_SWEEP_MIN;

  /** The bulkhead of `key`, made on first use. */
  of(key: string): Bulkhead {
    let bulkhead = this.map.get(key);
    if (bulkhead !== undefined) return bulkhead;
    if (this.map.size >= this.sweepAt) this.sweep();
    bulkhead = new Bulkhead();
    this.map.set(key, bulkhead);
    return bulkhead;
  }

  private sweep(): void {
    for (const [key, bulkhead] of this.map) if (bulkhead.active === 0) this.map.delete(key);
    this.sweepAt = Math.max(IDLE_SWEEP_MIN, this.map.size * 2);
  }
}
