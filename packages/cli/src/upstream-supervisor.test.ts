import { describe, expect, it } from 'vitest';
import { manualClock } from '@mcp-middleware/core/testing';
import type { GatewayEvent } from './options.js';
import type { UpstreamConnection } from './upstream.js';
import { UpstreamSupervisor, type SupervisorHooks } from './upstream-supervisor.js';

// Connections are stand-ins: the supervisor only reads `onlost` and calls `close()`.
function fakeConnection(): UpstreamConnection & { lose(reason: string): void; closed: boolean } {
  const connection = {
    closed: false,
    onlost: undefined as ((reason: string) => void) | undefined,
    lose(reason: string) {
      connection.onlost?.(reason);
    },
    close() {
      connection.closed = true;
      return Promise.resolve();
    },
  };
  return connection as unknown as UpstreamConnection & { lose(reason: string): void; closed: boolean };
}

function setup(connects: (() => Promise<UpstreamConnection>)[], restart = true) {
  const clock = manualClock();
  const events: GatewayEvent[] = [];
  const adopted: boolean[] = [];
  const gaveUp: string[] = [];
  const hooks: SupervisorHooks = {
    connect: () => (connects.shift() ?? (() => Promise.reject(new Error('no more'))))(),
    adopted: (_connection, isRestart) => {
      adopted.push(isRestart);
      return Promise.resolve();
    },
    gaveUp: (message) => gaveUp.push(message),
    emit: (event) => events.push(event),
    inFlight: () => 0,
  };
  const options = restart ? { maxAttempts: 2, delayMs: 100, maxDelayMs: 1000 } : undefined;
  return {
    supervisor: new UpstreamSupervisor(hooks, options, clock, 'fixture'),
    clock,
    events,
    adopted,
    gaveUp,
  };
}

describe('UpstreamSupervisor', () => {
  it('adopts the first connection as not a restart', async () => {
    const first = fakeConnection();
    const s = setup([() => Promise.resolve(first)]);
    await s.supervisor.start();
    expect(s.supervisor.current).toBe(first);
    expect(s.adopted).toEqual([false]);
  });

  it('gives up at once when the upstream is lost and restart is off', async () => {
    const first = fakeConnection();
    const s = setup([() => Promise.resolve(first)], false);
    await s.supervisor.start();
    first.lose('the upstream process exited');
    await s.clock.advance(0);
    expect(s.gaveUp).toEqual(['upstream fixture: the upstream process exited']);
  });

  it('restarts after the backoff delay and adopts the new connection as a restart', async () => {
    const first = fakeConnection();
    const second = fakeConnection();
    const s = setup([() => Promise.resolve(first), () => Promise.resolve(second)]);
    await s.supervisor.start();
    first.lose('gone');
    await s.clock.advance(0);
    expect(s.supervisor.state).toBe('restarting');
    expect(s.supervisor.unavailable('echo').retryAfterMs).toBe(100);
    await s.clock.advance(100);
    expect(s.supervisor.current).toBe(second);
    expect(s.adopted).toEqual([false, true]);
    expect(s.supervisor.state).toBe('ready');
  });

  it('gives up after maxAttempts failed restarts, doubling the delay', async () => {
    const first = fakeConnection();
    const s = setup([() => Promise.resolve(first)]);
    await s.supervisor.start();
    first.lose('gone');
    await s.clock.advance(100);
    await s.clock.advance(200);
    const delays = s.events.flatMap((e) => (e.type === 'upstream-restarting' ? [e.delayMs] : []));
    expect(delays).toEqual([100, 200]);
    expect(s.gaveUp[0]).toContain('gave up after 2 restart attempts');
  });

  it('closes the live connection without treating it as lost', async () => {
    const first = fakeConnection();
    const s = setup([() => Promise.resolve(first)]);
    await s.supervisor.start();
    s.supervisor.beginClose();
    await s.supervisor.closeConnection();
    expect(first.closed).toBe(true);
    expect(s.events.some((e) => e.type === 'upstream-lost')).toBe(false);
    expect(s.supervisor.state).toBe('closed');
  });
});
