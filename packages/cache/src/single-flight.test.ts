import { describe, expect, it } from 'vitest';
import { createTestContext } from '@mcp-middleware/core/testing';
import { SingleFlight } from './single-flight.js';

interface Gate<T> {
  readonly promise: Promise<T>;
  open(value: T): void;
  fail(error: unknown): void;
}

function gate<T>(): Gate<T> {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const cancelled = (reason: unknown): unknown => ({ cancelled: reason });
const waiter = (signal: AbortSignal) => createTestContext({ signal });

describe('SingleFlight', () => {
  it('runs once for a key and gives every waiter the same value', async () => {
    const flights = new SingleFlight<string>();
    const g = gate<string>();
    let runs = 0;
    const flight = flights.start('k', () => {
      runs++;
      return g.promise;
    });
    const waiters = Array.from({ length: 5 }, () =>
      flights.join(flight, waiter(new AbortController().signal), cancelled),
    );
    expect(flights.get('k')).toBe(flight);
    g.open('v');
    expect(await Promise.all(waiters)).toEqual(['v', 'v', 'v', 'v', 'v']);
    expect(runs).toBe(1);
  });

  it('rejects only the waiter whose signal aborts; the run and the others go on', async () => {
    const flights = new SingleFlight<string>();
    const g = gate<string>();
    let runSignal: AbortSignal | undefined;
    const flight = flights.start('k', (source) => {
      runSignal = source.makeSignal();
      return g.promise;
    });
    const quitter = new AbortController();
    const first = flights.join(flight, waiter(quitter.signal), cancelled);
    const second = flights.join(flight, waiter(new AbortController().signal), cancelled);
    quitter.abort('bye');
    await expect(first).rejects.toEqual({ cancelled: 'bye' });
    expect(runSignal?.aborted).toBe(false);
    g.open('v');
    await expect(second).resolves.toBe('v');
  });

  it('aborts the run with the last reason once every waiter has left, and forgets it', async () => {
    const flights = new SingleFlight<string>();
    let runSignal: AbortSignal | undefined;
    const flight = flights.start('k', (source) => {
      runSignal = source.makeSignal();
      return new Promise<string>(() => undefined);
    });
    const a = new AbortController();
    const b = new AbortController();
    const waiting = [
      flights.join(flight, waiter(a.signal), cancelled),
      flights.join(flight, waiter(b.signal), cancelled),
    ];
    a.abort('a');
    b.abort('b');
    await Promise.allSettled(waiting);
    expect(runSignal?.aborted).toBe(true);
    expect(runSignal?.reason).toBe('b');
    expect(flights.get('k')).toBeUndefined();
  });

  it('hands a run that reads its signal only after every waiter left a signal already aborted', async () => {
    const flights = new SingleFlight<string>();
    let read: (() => AbortSignal) | undefined;
    const flight = flights.start('k', (source) => {
      read = () => source.makeSignal();
      return new Promise<string>(() => undefined);
    });
    const a = new AbortController();
    const waiting = flights.join(flight, waiter(a.signal), cancelled);
    a.abort('gone');
    await expect(waiting).rejects.toEqual({ cancelled: 'gone' });
    expect(read?.().aborted).toBe(true);
    expect(read?.().reason).toBe('gone');
  });

  it('makes no AbortController for a run that never reads its signal', async () => {
    const made: unknown[] = [];
    const Original = globalThis.AbortController;
    const caller = new Original();
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made.push(this);
      }
    };
    try {
      const flights = new SingleFlight<string>();
      const flight = flights.start('k', () => Promise.resolve('v'));
      await expect(flights.join(flight, waiter(caller.signal), cancelled)).resolves.toBe('v');
    } finally {
      globalThis.AbortController = Original;
    }
    expect(made).toEqual([]);
  });

  it('never aborts a detached run, even when a waiter joins and leaves', async () => {
    const flights = new SingleFlight<string>();
    let runSignal: AbortSignal | undefined;
    const flight = flights.start(
      'k',
      (source) => {
        runSignal = source.makeSignal();
        return new Promise<string>(() => undefined);
      },
      true,
    );
    const a = new AbortController();
    const waiting = flights.join(flight, waiter(a.signal), cancelled);
    a.abort('a');
    await expect(waiting).rejects.toEqual({ cancelled: 'a' });
    expect(runSignal?.aborted).toBe(false);
  });

  it('rejects at once a waiter whose signal already aborted, without joining', async () => {
    const flights = new SingleFlight<string>();
    let runSignal: AbortSignal | undefined;
    const flight = flights.start('k', (source) => {
      runSignal = source.makeSignal();
      return new Promise<string>(() => undefined);
    });
    await expect(flights.join(flight, waiter(AbortSignal.abort('early')), cancelled)).rejects.toEqual({
      cancelled: 'early',
    });
    expect(runSignal?.aborted).toBe(false);
  });

  it('passes the run’s rejection to every waiter', async () => {
    const flights = new SingleFlight<string>();
    const g = gate<string>();
    const flight = flights.start('k', () => g.promise);
    const waiters = [1, 2].map(() => flights.join(flight, waiter(new AbortController().signal), cancelled));
    g.fail(new Error('boom'));
    for (const w of waiters) await expect(w).rejects.toThrow('boom');
  });

  it('turns a synchronous throw of the run into a rejection', async () => {
    const flights = new SingleFlight<string>();
    const flight = flights.start('k', () => {
      throw new Error('sync');
    });
    await expect(flights.join(flight, waiter(new AbortController().signal), cancelled)).rejects.toThrow(
      'sync',
    );
  });

  it('lets later callers start afresh once released', () => {
    const flights = new SingleFlight<string>();
    const flight = flights.start('k', () => Promise.resolve('v'));
    flights.release(flight);
    expect(flights.get('k')).toBeUndefined();
    expect(flights.size).toBe(0);
  });

  it('marks matching runs invalidated and forgets them, leaving the others', () => {
    const flights = new SingleFlight<string>();
    const hit = flights.start('a:1', () => new Promise<string>(() => undefined));
    const kept = flights.start('b:1', () => new Promise<string>(() => undefined));
    flights.invalidate((key) => key.startsWith('a:'));
    expect(hit.invalidated).toBe(true);
    expect(flights.get('a:1')).toBeUndefined();
    expect(kept.invalidated).toBe(false);
    expect(flights.get('b:1')).toBe(kept);
  });

  it('keeps an answer kept to its owner from every joined caller: each gets its own run', async () => {
    const g = gate<string>();
    const flights = new SingleFlight<string>((flight) => flights.keepToOwner(flight));
    const owner = waiter(new AbortController().signal);
    const flight = flights.start('k', () => g.promise, false, owner);
    const mine = flights.join(flight, owner, cancelled, () => Promise.resolve('never the owner'));
    const others = [1, 2].map((n) =>
      flights.join(flight, waiter(new AbortController().signal), cancelled, () =>
        Promise.resolve(`own ${n}`),
      ),
    );
    const throwing = flights.join(flight, waiter(new AbortController().signal), cancelled, () => {
      throw new Error('own run threw');
    });
    g.open('asked the owner');
    expect(await mine).toBe('asked the owner');
    expect(await Promise.all(others)).toEqual(['own 1', 'own 2']);
    await expect(throwing).rejects.toThrow('own run threw');
  });
});
