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

  it('records a marker for values without a JSON form', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect([captureValue(cycle, 100), captureValue(10n, 100), captureValue(() => 1, 100)]).toEqual([
      UNSERIALIZABLE,
      UNSERIALIZABLE,
      UNSERIALIZABLE,
    ]);
  });
});
