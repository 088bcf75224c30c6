import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdmittedStreams } from './admitted-streams.js';

const NOW = Date.UTC(2026, 11, 3);
const DAY = 86_400_000;

/** An open response whose request the door admitted with a credential expiring at `expiresAtMs`, or none. */
function response(expiresAtMs?: number): ServerResponse & { destroyed: boolean } {
  const res = new EventEmitter() as EventEmitter & {
    destroyed: boolean;
    writableEnded: boolean;
    req: unknown;
  };
  res.destroyed = false;
  res.writableEnded = false;
  res.req = { headers: {}, auth: expiresAtMs === undefined ? undefined : { expiresAt: expiresAtMs / 1000 } };
  (res as unknown as { destroy(): void }).destroy = () => {
    res.destroyed = true;
    res.emit('close');
  };
  return res as unknown as ServerResponse & { destroyed: boolean };
}

describe('AdmittedStreams: credentials that expire', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('closes each response when the credential it was admitted with expires, and not before', () => {
    const admitted = new AdmittedStreams();
    const soon = response(NOW + 60_000);
    const later = response(NOW + 120_000);
    const never = response();
    for (const res of [later, soon, never]) admitted.track(res);
    vi.advanceTimersByTime(59_999);
    expect([soon.destroyed, later.destroyed, never.destroyed]).toEqual([false, false, false]);
    vi.advanceTimersByTime(1);
    expect([soon.destroyed, later.destroyed, never.destroyed]).toEqual([true, false, false]);
    vi.advanceTimersByTime(60_000);
    expect([soon.destroyed, later.destroyed, never.destroyed]).toEqual([true, true, false]);
  });

  it('brings the timer forward for a response whose credential expires before the earliest so far', () => {
    const admitted = new AdmittedStreams();
    const late = response(NOW + DAY);
    admitted.track(late);
    const early = response(NOW + 1000);
    admitted.track(early);
    vi.advanceTimersByTime(1000);
    expect([early.destroyed, late.destroyed]).toEqual([true, false]);
  });

  it('closes a response admitted with an already expired credential at once', () => {
    const admitted = new AdmittedStreams();
    const stale = response(NOW - 1000);
    admitted.track(stale);
    vi.advanceTimersByTime(0);
    expect(stale.destroyed).toBe(true);
  });

  it('still closes a response whose credential expires beyond the longest timer delay (about 24.8 days)', () => {
    const admitted = new AdmittedStreams();
    const far = response(NOW + 40 * DAY);
    admitted.track(far);
    vi.advanceTimersByTime(40 * DAY - 1);
    expect(far.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(far.destroyed).toBe(true);
  });

  it('leaves alone a response that ended, and forgets a closed one', () => {
    const admitted = new AdmittedStreams();
    const ended = response(NOW + 1000);
    (ended as unknown as { writableEnded: boolean }).writableEnded = true;
    const closed = response(NOW + 1000);
    admitted.track(ended);
    admitted.track(closed);
    closed.emit('close');
    vi.advanceTimersByTime(1000);
    expect([ended.destroyed, closed.destroyed]).toEqual([false, false]);
  });
});
