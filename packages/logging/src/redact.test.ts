import { describe, expect, it } from 'vitest';
import { CENSOR, isSensitiveKey, parsePaths, redactArgs } from './redact.js';

describe('isSensitiveKey', () => {
  it.each([
    'authorization',
    'Authorization',
    'x-api-key',
    'apiKey',
    'API_KEY',
    'token',
    'access_token',
    'refreshToken',
    'password',
    'db_password',
    'client_secret',
    'Cookie',
    'privateKey',
    'credentials',
  ])('treats %s as a credential', (key) => {
    expect(isSensitiveKey(key)).toBe(true);
  });

  it.each(['query', 'max_tokens', 'limit', 'path', 'author'])('keeps %s', (key) => {
    expect(isSensitiveKey(key)).toBe(false);
  });
});

describe('redactArgs', () => {
  it('redacts sensitive keys at any depth', () => {
    const args = { url: 'https://x', request: { headers: { Authorization: 'Basic abc' } }, password: 'p' };
    expect(redactArgs(args)).toEqual({
      url: 'https://x',
      request: { headers: { Authorization: CENSOR } },
      password: CENSOR,
    });
  });

  it('redacts the paths the user marks, with * for any key or index', () => {
    const args = { card: { number: '4111', expiry: '12/30' }, people: [{ ssn: '1' }, { ssn: '2' }] };
    expect(redactArgs(args, parsePaths(['card.number', 'people.*.ssn']))).toEqual({
      card: { number: CENSOR, expiry: '12/30' },
      people: [{ ssn: CENSOR }, { ssn: CENSOR }],
    });
  });

  it('removes bearer tokens and JWTs from string values', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    const text = JSON.stringify(redactArgs({ note: `use Bearer abc.def and ${jwt}` }));
    expect(text).not.toContain('abc.def');
    expect(text).not.toContain(jwt);
  });

  it('leaves the original arguments untouched', () => {
    const args = { password: 'p', nested: { token: 't' } };
    redactArgs(args, parsePaths(['nested.token']));
    expect(args).toEqual({ password: 'p', nested: { token: 't' } });
  });

  it('bounds depth and array length', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(redactArgs(deep))).toContain('[truncated]');
    const long = redactArgs(Array.from({ length: 150 }, (_, i) => i)) as unknown[];
    expect(long).toHaveLength(101);
    expect(long[100]).toBe('… 50 more items');
  });

  it('passes undefined through for a tool without arguments', () => {
    expect(redactArgs(undefined)).toBeUndefined();
  });
});
