import { describe, expect, it } from 'vitest';
import { MemoryWindowCounter, memoryStore } from './memory-store.js';

const T0 = 1_700_000_000_000;
const counter = (limit = 3, windowMs = 1000): MemoryWindowCounter =>
  new MemoryWindowCounter({ limit, windowMs });

describe('memoryStore', () => {
  it('admits limit points per key within a window, then refuses', () => {
    const c = counter(3);
    const answers = [1, 2, 3, 4].map(() => c.consume('k', 1, T0).allowed);
    expect(answers).toEqual([true, true, true, false]);
  });

  it('reports the points left and the time until the window ends', () => {
    const c = counter(3, 1000);
    c.consume('k', 1, T0);
    expect(c.consume('k', 1, T0 + 400)).toEqual({ allowed: true, remaining: 1, resetInMs: 600 });
  });

  it('counts nothing for a refused call', () => {
    const c = counter(3);
    c.consume('k', 2, T0);
    expect(c.consume('k', 2, T0).allowed).toBe(false);
    expect(c.consume('k', 1, T0)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('starts a new window at the first call after the old one ended', () => {
    const c = counter(1, 1000);
    c.consume('k', 1, T0);
    expect(c.consume('k', 1, T0 + 999).allowed).toBe(false);
    expect(c.consume('k', 1, T0 + 1500)).toEqual({ allowed: true, remaining: 0, resetInMs: 1000 });
    expect(c.consume('k', 1, T0 + 2499).allowed).toBe(false);
  });

  it('gives each key its own window, starting at its own first call', () => {
    const c = counter(1, 1000);
    c.consume('a', 1, T0);
    expect(c.consume('b', 1, T0 + 500).allowed).toBe(true);
    expect(c.consume('a', 1, T0 + 1000).allowed).toBe(true);
    expect(c.consume('b', 1, T0 + 1000)).toMatchObject({ allowed: false, resetInMs: 500 });
  });

  it('drops keys idle past their window as later calls arrive', () => {
    const c = counter(5, 1000);
    for (let i = 0; i < 100; i++) c.consume(`k${i}`, 1, T0);
    c.consume('late', 1, T0 + 2000);
    expect(c.size).toBe(1);
  });

  it('keeps a key whose window restarted while older keys are dropped', () => {
    const c = counter(5, 1000);
    c.consume('old', 1, T0);
    c.consume('renewed', 1, T0);
    c.consume('renewed', 1, T0 + 1200);
    c.consume('late', 1, T0 + 2100);
    expect(c.size).toBe(2);
    expect(c.consume('renewed', 1, T0 + 2150)).toMatchObject({ allowed: true, remaining: 3 });
  });

  it('drops a mass expiry a bounded batch per call, so no single call pays for all of it', () => {
    const c = counter(5, 1000);
    for (let i = 0; i < 1000; i++) c.consume(`k${i}`, 1, T0);
    c.consume('late', 1, T0 + 5000);
    const afterOne = c.size;
    for (let i = 0; i < 10; i++) c.consume('late', 1, T0 + 5000);
    expect(afterOne).toBeGreaterThan(500);
    expect(c.size).toBe(1);
  });

  it('binds a fresh counter per limiter', () => {
    const store = memoryStore();
    const a = store.bind({ limit: 1, windowMs: 1000, name: 'a' });
    const b = store.bind({ limit: 1, windowMs: 1000, name: 'b' });
    expect(a.consume('k', 1, T0)).toMatchObject({ allowed: true });
    expect(b.consume('k', 1, T0)).toMatchObject({ allowed: true });
    expect(a.consume('k', 1, T0)).toMatchObject({ allowed: false });
  });
});
