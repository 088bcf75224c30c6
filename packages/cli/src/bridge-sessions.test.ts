import { ConfigError } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { BridgeSlots } from './bridge-sessions.js';

describe('BridgeSlots', () => {
  it('takes no slot past maxCallsPerPrincipal for that principal only, naming the limit', () => {
    const slots = new BridgeSlots({ maxCallsPerPrincipal: 2 });
    expect(slots.take('p1')).toBeUndefined();
    expect(slots.take('p1')).toBeUndefined();
    expect(slots.take('p1')).toBe('maxCallsPerPrincipal');
    expect(slots.take('p2')).toBeUndefined();
    expect(slots.open).toBe(3);
  });

  it('takes no slot past maxCalls, calls without a principal included, naming the limit', () => {
    const slots = new BridgeSlots({ maxCalls: 3 });
    expect(slots.take(undefined)).toBeUndefined();
    expect(slots.take(undefined)).toBeUndefined();
    expect(slots.take('p1')).toBeUndefined();
    expect(slots.take(undefined)).toBe('maxCalls');
    expect(slots.take('p2')).toBe('maxCalls');
    expect(slots.open).toBe(3);
  });

  it('takes a slot back when a call ends', () => {
    const slots = new BridgeSlots({ maxCallsPerPrincipal: 1, maxCalls: 2 });
    expect(slots.take('p1')).toBeUndefined();
    expect(slots.take(undefined)).toBeUndefined();
    slots.give('p1');
    expect(slots.take('p1')).toBeUndefined();
    slots.give(undefined);
    slots.give('p1');
    expect(slots.open).toBe(0);
    expect(slots.take('p1')).toBeUndefined();
    expect(slots.take('p1')).toBe('maxCallsPerPrincipal');
  });

  it('defaults to 16 per principal and 256 in all', () => {
    const slots = new BridgeSlots();
    for (let i = 0; i < 16; i++) expect(slots.take('p1')).toBeUndefined();
    expect(slots.take('p1')).toBe('maxCallsPerPrincipal');
    for (let i = 16; i < 256; i++) expect(slots.take(`p${i}`)).toBeUndefined();
    expect(slots.take('another')).toBe('maxCalls');
  });

  it('refuses a limit that is not a positive integer, naming it', () => {
    expect(() => new BridgeSlots({ maxCalls: 0 })).toThrow(ConfigError);
    expect(() => new BridgeSlots({ maxCallsPerPrincipal: 1.5 })).toThrow(
      expect.objectContaining({ path: 'maxCallsPerPrincipal' }),
    );
  });
});
