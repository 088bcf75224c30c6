import { afterEach, describe, expect, it, vi } from 'vitest';
import { BridgeSessions, IDLE_MS, IDLE_SESSIONS, sessionKey } from './bridge-sessions.js';
import type { UpstreamConnection } from './upstream.js';

/** A session record that counts its closes (the bridge's own tests use real upstream sessions). */
function session(): UpstreamConnection & { closes: number } {
  const connection = {
    closes: 0,
    onlost: undefined,
    close(): Promise<void> {
      connection.closes += 1;
      return Promise.resolve();
    },
  };
  return connection as never;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BridgeSessions', () => {
  it('hands an idle session back only under its own key, once', async () => {
    const fresh = session();
    const sessions = new BridgeSessions(() => Promise.resolve(fresh));
    const kept = session();
    sessions.give(sessionKey('p1', { sampling: {} }), kept);
    expect(await sessions.take(sessionKey('p2', { sampling: {} }), {})).toBe(fresh);
    expect(await sessions.take(sessionKey('p1', { roots: {} }), {})).toBe(fresh);
    expect(await sessions.take(sessionKey('p1', { sampling: {} }), {})).toBe(kept);
    expect(await sessions.take(sessionKey('p1', { sampling: {} }), {})).toBe(fresh);
    expect(sessions.idle).toBe(0);
  });

  it('closes a session left idle for IDLE_MS', () => {
    vi.useFakeTimers();
    const sessions = new BridgeSessions(() => Promise.resolve(session()));
    const kept = session();
    sessions.give('k', kept);
    vi.advanceTimersByTime(IDLE_MS);
    expect([kept.closes, sessions.idle]).toEqual([1, 0]);
  });

  it('keeps at most IDLE_SESSIONS, closing the rest at once', () => {
    const sessions = new BridgeSessions(() => Promise.resolve(session()));
    const all = Array.from({ length: IDLE_SESSIONS + 2 }, () => session());
    for (const [i, s] of all.entries()) sessions.give(`k${i % 3}`, s);
    expect(sessions.idle).toBe(IDLE_SESSIONS);
    expect(all.map((s) => s.closes).filter((n) => n === 1)).toHaveLength(2);
  });

  it('forgets a session the upstream lost, and closes every idle one on close()', async () => {
    const sessions = new BridgeSessions(() => Promise.resolve(session()));
    const lost = session();
    const kept = session();
    sessions.give('k', lost);
    sessions.give('k', kept);
    lost.onlost?.('the upstream closed the connection');
    expect(sessions.idle).toBe(1);
    await sessions.close();
    expect([lost.closes, kept.closes, sessions.idle]).toEqual([0, 1, 0]);
  });
});
