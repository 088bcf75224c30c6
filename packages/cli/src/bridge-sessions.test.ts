import { ConfigError } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { BridgeSlots } from './bridge-sessions.js';

const full = (limit: string): object => ({ code: -32603, data: { reason: 'bridge_full', limit } });

describe('BridgeSlots', () => {
  it('refuses a call past maxCallsPerPrincipal for that principal only, naming the limit', () => {
    const slots = new BridgeSlots({ maxCallsPerPrincipal: 2 });
    slots.take('p1');
    slots.take('p1');
    expect(() => slots.take('p1')).toThrow(expect.objectContaining(full('maxCallsPerPrincipal')));
    expect(() => slots.take('p1')).toThrow(/raise maxCallsPerPrincipal/);
    slots.take('p2');
    expect(slots.open).toBe(3);
  });

  it('refuses any call past maxCalls, calls without a principal included', () => {
    const slots = new BridgeSlots({ maxCalls: 3 });
    slots.take(undefined);
    slots.take(undefined);
    slots.take('p1');
    expect(() => slots.take(undefined)).toThrow(expect.objectContaining(full('maxCalls')));
    expect(() => slots.take('p2')).toThrow(expect.objectContaining(full('maxCalls')));
  });

  it('takes a slot back when a call ends', () => {
    const slots = new BridgeSlots({ maxCallsPerPrincipal: 1, maxCalls: 2 });
    slots.take('p1');
    slots.take(undefined);
    slots.give('p1');
    slots.take('p1');
    slots.give(undefined);
    slots.give('p1');
    expect(slots.open).toBe(0);
    slots.take('p1');
    expect(() => slots.take('p1')).toThrow(expect.objectContaining(full('maxCallsPerPrincipal')));
  });

  it('defaults to 16 per principal and 256 in all', () => {
    const slots = new BridgeSlots();
    for (let i = 0; i < 16; i++) slots.take('p1');
    expect(() => slots.take('p1')).toThrow(expect.objectContaining(full('maxCallsPerPrincipal')));
    for (let i = 16; i < 256; i++) slots.take(`p${i}`);
    expect(() => slots.take('another')).toThrow(expect.objectContaining(full('maxCalls')));
  });

  it('refuses a limit that is not a positive integer, naming it', () => {
    expect(() => new BridgeSlots({ maxCalls: 0 })).toThrow(ConfigError);
    expect(() => new BridgeSlots({ maxCallsPerPrincipal: 1.5 })).toThrow(
      expect.objectContaining({ path: 'maxCallsPerPrincipal' }),
    );
  });
});
