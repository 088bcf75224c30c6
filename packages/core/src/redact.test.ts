// Core's one redaction: the text rules, the key rule, and the bounded copy. The class tests (every
// spelling × every sink, and the no-garbling property) live in test/redaction.test.ts.
import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretKey, redactText } from './redact.js';
import { CIRCULAR, MORE_KEY, TRUNCATED, redactValue } from './redact-value.js';
import { redactSecrets } from './result.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

describe('isSecretKey', () => {
  it.each([
    'authorization',
    'Proxy-Authorization',
    'x-api-key',
    'apiKey',
    'API_KEY',
    'token',
    'access_token',
    'refreshToken',
    'REFRESH-TOKEN',
    'password',
    'DB_PASSWORD',
    'client_secret',
    'AWS_SECRET_ACCESS_KEY',
    'Cookie',
    'set-cookie',
    'privateKey',
    'private_key',
    'credentials',
    'db.password',
    'auth',
    'X-Amz-Signature',
  ])('treats %s as a credential', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each(['query', 'max_tokens', 'tokens', 'token_count', 'limit', 'path', 'author', 'keyboard'])(
    'keeps %s',
    (key) => {
      expect(isSecretKey(key)).toBe(false);
    },
  );
});

describe('redactText', () => {
  it.each([
    ['bearer abc123 is expired', 'bearer [redacted] is expired'],
    ['Authorization: Bearer abc.def-123', 'Authorization: Bearer [redacted]'],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic [redacted]'],
    ['access_token=abcDEF123&scope=read', 'access_token=[redacted]&scope=read'],
    ['client_secret=s3cr3t', 'client_secret=[redacted]'],
    ['export DB_PASSWORD="hunter 2"', 'export DB_PASSWORD="[redacted]"'],
    ['{"accessToken":"tok-abc","user":"x"}', '{"accessToken":"[redacted]","user":"x"}'],
    ['{\\"accessToken\\":\\"tok-abc\\"}', '{\\"accessToken\\":\\"[redacted]\\"}'],
    ['"access token": "tok-abc"', '"access token": "[redacted]"'],
    ['postgres://app:pw@db:5432/x failed', 'postgres://[redacted]@db:5432/x failed'],
    ['Cookie: sid=abc; theme=dark\nnext', 'Cookie: [redacted]\nnext'],
    [`jwt ${JWT} done`, 'jwt [redacted] done'],
    ['node server.js --token abc123 --port 3000', 'node server.js --token [redacted] --port 3000'],
    ['key sk_live_4eC39HqLyjWDarjtT1zdp7dc used', 'key [redacted] used'],
    ['auth=abc123', 'auth=[redacted]'],
  ])('redacts %j', (input, output) => {
    expect(redactText(input)).toBe(output);
  });

  it.each([
    'authentication failed: no credentials were presented; send a bearer token or API key with the request',
    'auth: from must be a resolver',
    'pwd: /home/app',
    'WWW-Authenticate: Bearer realm="mcp", error="invalid_token"',
    'max_tokens=100 and token_count: 5',
    'the token has expired; obtain a new credential and retry',
    'see https://example.com/a@b for details',
  ])('leaves %j unchanged', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it('redacts the whole private key block', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----';
    expect(redactText(`key: ${pem} end`)).toBe('key: [redacted] end');
  });

  it('keeps URIs whose scheme is a secret word readable, and still hides their userinfo', () => {
    for (const scheme of ['secret', 'token', 'password', 'apikey', 'credentials']) {
      expect(redactText(`read ${scheme}://keys/main`)).toBe(`read ${scheme}://keys/main`);
      expect(redactText(`${scheme}://app:pw123456@host`)).not.toContain('pw123456');
    }
    expect(redactText('secret: hunter2hunter2')).not.toContain('hunter2hunter2');
  });

  it('is idempotent', () => {
    const once = redactText(`password=x Bearer abc123 ${JWT} postgres://a:b@h`);
    expect(redactText(once)).toBe(once);
  });

  it('redacts before cutting: no secret placed at the cut survives', () => {
    for (let at = 0; at < 120; at++) {
      const text = redactText(`${'x '.repeat(at)}token=${JWT} tail`, 100);
      expect(text).not.toMatch(/eyJ|c2ln/);
      expect(text.length).toBeLessThanOrEqual(101);
    }
  });

  it('reads a bounded window of a huge text and still redacts a secret at its end', () => {
    const text = redactText(`${'a'.repeat(3000)} password=hunter2-xyz ${'b'.repeat(10_000_000)}`, 3010);
    expect(text).not.toContain('hunter2');
    expect(text.length).toBeLessThanOrEqual(3011);
  });

  it('is the text entry point behind redactSecrets, bounded to 2000 characters', () => {
    expect(redactSecrets('bearer abc123 is expired')).toBe('bearer [redacted] is expired');
    expect(redactSecrets('x'.repeat(10_000))).toHaveLength(2001);
  });
});

describe('redactValue', () => {
  it('redacts values under secret keys at any depth, and secret-shaped strings anywhere', () => {
    expect(
      redactValue({
        q: 'x',
        headers: { Authorization: 'Basic abc' },
        list: [{ refreshToken: 1 }],
        note: JWT,
      }),
    ).toEqual({
      q: 'x',
      headers: { Authorization: REDACTED },
      list: [{ refreshToken: REDACTED }],
      note: REDACTED,
    });
  });

  it('keeps absent values absent and leaves the input untouched', () => {
    const input = { apiKey: undefined, password: 'p', nested: { token: 't' } };
    expect(redactValue(input)).toEqual({ password: REDACTED, nested: { token: REDACTED } });
    expect(input).toEqual({ apiKey: undefined, password: 'p', nested: { token: 't' } });
  });

  it('bounds keys per object and says how many were kept', () => {
    const wide = Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, i]));
    const copy = redactValue(wide, { maxKeys: 50 }) as Record<string, unknown>;
    expect(Object.keys(copy)).toHaveLength(51);
    expect(copy[MORE_KEY]).toBe('more keys than the 50 kept');
  });

  it('bounds items per array', () => {
    const copy = redactValue(Array.from({ length: 150 }, (_, i) => i)) as unknown[];
    expect(copy).toHaveLength(101);
    expect(copy[100]).toBe(`${MORE_KEY} 50 more items`);
  });

  it('bounds depth, key length and string length', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    expect(JSON.stringify(redactValue(deep, { maxDepth: 3 }))).toBe(`{"d":{"d":{"d":"${TRUNCATED}"}}}`);
    const copy = redactValue(
      { ['k'.repeat(500)]: 'v'.repeat(5000) },
      { maxKeyLength: 10, maxStringLength: 20 },
    );
    expect(copy).toEqual({ [`${'k'.repeat(10)}…`]: `${'v'.repeat(20)}…` });
  });

  it.each([256, 1024, 8192])('keeps the JSON of any copy within maxBytes = %i', (maxBytes) => {
    const nested = (depth: number): unknown =>
      depth === 0
        ? 'é'.repeat(2000)
        : Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, nested(depth - 1)]));
    for (const value of [
      nested(3),
      Array.from({ length: 10_000 }, () => '\u0000'.repeat(100)),
      { a: [[[['x'.repeat(9000)]]]] },
    ]) {
      expect(bytes(redactValue(value, { maxBytes }))).toBeLessThanOrEqual(maxBytes);
    }
  });

  it('copes with cycles, BigInts, dates, typed arrays, throwing getters and revoked proxies', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const getter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(redactValue({ cycle, n: 10n, d: new Date(0), b: new Uint8Array(4), getter, proxy })).toEqual({
      cycle: { a: 1, self: CIRCULAR },
      n: '10n',
      d: '1970-01-01T00:00:00.000Z',
      b: '[4 bytes]',
      getter: { boom: '[unreadable]' },
      proxy: '[unreadable]',
    });
  });

  it('keeps a __proto__ key a plain key of the copy', () => {
    const copy = redactValue(JSON.parse('{"__proto__": {"polluted": "yes"}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
