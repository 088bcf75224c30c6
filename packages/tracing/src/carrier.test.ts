// The _meta getter and the bounded, redacted captures.
import { describe, expect, it } from 'vitest';
import { captureValue, metaGetter, UNSERIALIZABLE } from './carrier.js';

describe('metaGetter', () => {
  it('returns string values', () => {
    expect(metaGetter.get({ traceparent: '00-abc' }, 'traceparent')).toBe('00-abc');
  });

  it('returns arrays of strings', () => {
    expect(metaGetter.get({ baggage: ['a=1', 'b=2'] }, 'baggage')).toEqual(['a=1', 'b=2']);
  });

  it('hides numbers, objects and mixed arrays, so propagators only ever see strings', () => {
    const meta = { progressToken: 7, nested: { a: 1 }, mixed: ['a', 1] };
    expect([
      metaGetter.get(meta, 'progressToken'),
      metaGetter.get(meta, 'nested'),
      metaGetter.get(meta, 'mixed'),
    ]).toEqual([undefined, undefined, undefined]);
  });

  it('lists every key of the carrier', () => {
    expect(metaGetter.keys({ traceparent: 'x', progressToken: 1 })).toEqual(['traceparent', 'progressToken']);
  });
});

describe('captureValue', () => {
  it('writes a value as JSON', () => {
    expect(captureValue({ city: 'Paris', days: 3 }, 100)).toBe('{"city":"Paris","days":3}');
  });

  it('returns undefined when there is nothing to record', () => {
    expect(captureValue(undefined, 100)).toBeUndefined();
  });

  it('cuts the JSON at maxLength and marks the cut', () => {
    expect(captureValue('abcdefghij', 5)).toBe('"abcd…');
  });

  it('redacts credentials in the JSON', () => {
    expect(captureValue({ apiKey: 'sk-123', auth: 'Bearer abc.def' }, 200)).toBe(
      '{"apiKey":"[redacted]","auth":"[redacted]"}',
    );
  });

  it('records a marker for a cycle, a BigInt and a value without a JSON form', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect([captureValue(cycle, 100), captureValue(10n, 100), captureValue(() => 1, 100)]).toEqual([
      '{"self":"[circular]"}',
      '"10n"',
      UNSERIALIZABLE,
    ]);
  });

  it('redacts keys that only key-based redaction finds, at any depth', () => {
    const text = captureValue(
      { a: { refreshToken: 'r1', privateKey: 'k1', cookie: 'c1', max_tokens: 5 } },
      500,
    );
    expect(text).toBe(
      '{"a":{"refreshToken":"[redacted]","privateKey":"[redacted]","cookie":"[redacted]","max_tokens":5}}',
    );
  });

  it('redacts a JWT before cutting, so no part of it survives the cut', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    for (let at = 0; at < 60; at++) {
      const text = captureValue({ note: `${'x'.repeat(at)}${jwt}` }, 50) ?? '';
      expect(text).not.toContain('eyJhbGci');
      expect(text.length).toBeLessThanOrEqual(51);
    }
  });

  it('bounds the work and the output for a 300 000-key value', () => {
    const wide: Record<string, string> = {};
    for (let i = 0; i < 300_000; i++) wide[`k${i}`] = 'v';
    expect((captureValue(wide, 2000) ?? '').length).toBeLessThanOrEqual(2001);
  });
});
