import { describe, expect, it } from 'vitest';
import { argumentsDigest, bindingOf, matches, mismatchedRequestState } from './bridge-binding.js';

describe('bindingOf and matches', () => {
  const tool = { name: 'ask', arguments: { who: 'ann', options: { depth: 1, force: true } } };
  const prompt = { name: 'ask', arguments: { who: 'ann', options: { depth: 1, force: true } } };
  const read = { uri: 'poem://for/ann' };
  const bound = [
    ['tools/call', tool],
    ['prompts/get', prompt],
    ['resources/read', read],
  ] as const;
  /** Every request a state must refuse: each other method with the same params, other targets and arguments. */
  const others = [
    ...bound,
    ['tools/call', { ...tool, name: 'echo' }],
    ['tools/call', { ...tool, arguments: { who: 'ben' } }],
    ['tools/call', { name: 'ask' }],
    ['prompts/get', { ...prompt, name: 'greet' }],
    ['prompts/get', { ...prompt, arguments: {} }],
    ['resources/read', { uri: 'poem://for/ben' }],
    ['resources/read', { name: 'poem://for/ann' }],
    ['completion/complete', tool],
  ] as const;

  it('binds a request to its method, its name or URI and its arguments, and to nothing else', () => {
    for (const [method, params] of bound) {
      const binding = bindingOf(method, params);
      for (const [otherMethod, otherParams] of others) {
        const same = otherMethod === method && otherParams === params;
        expect(
          matches(binding, otherMethod, otherParams),
          `${method} vs ${otherMethod} ${JSON.stringify(otherParams)}`,
        ).toBe(same);
      }
    }
  });

  it('matches the same arguments in any key order, and ignores what a round adds (_meta, MRTR fields)', () => {
    const binding = bindingOf('tools/call', tool);
    const reordered = { name: 'ask', arguments: { options: { force: true, depth: 1 }, who: 'ann' } };
    const round = { ...reordered, _meta: { progressToken: 2 }, requestState: 's', inputResponses: {} };
    expect([matches(binding, 'tools/call', reordered), matches(binding, 'tools/call', round)]).toEqual([
      true,
      true,
    ]);
  });

  it('digests absent arguments as empty ones, and arrays in their order', () => {
    expect(argumentsDigest(undefined)).toBe(argumentsDigest({}));
    expect(argumentsDigest({ list: [1, 2] })).not.toBe(argumentsDigest({ list: [2, 1] }));
  });

  it('refuses a mismatch with -32602 invalid_request_state, naming what to send instead', () => {
    const error = mismatchedRequestState();
    expect(error).toMatchObject({ code: -32602, data: { reason: 'invalid_request_state' } });
    expect(error.message).toMatch(/^requestState does not match this request: .* start over$/);
  });
});
