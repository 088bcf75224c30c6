import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, isMiddlewareError, type MiddlewareErrorLike } from '@mcp-middleware/core';
import { createTestContext, manualClock } from '@mcp-middleware/core/testing';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { jwt, type JwtOptions } from './jwt.js';

const ISSUER = 'https://issuer.example.com';
const AUDIENCE = 'https://mcp.example.com/mcp';
const START_MS = 1_700_000_000_000;
const nowSec = START_MS / 1000;

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });

function sign(
  claims: JWTPayload = {},
  key: CryptoKey | Uint8Array = privateKey,
  alg = 'ES256',
): Promise<string> {
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    iat: nowSec,
    exp: nowSec + 600,
    ...claims,
  })
    .setProtectedHeader({ alg, typ: 'at+jwt' })
    .sign(key);
}

function strategy(overrides: Partial<JwtOptions> = {}): ReturnType<typeof jwt> {
  return jwt({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    key: publicKey,
    clock: manualClock(START_MS),
    ...overrides,
  });
}

async function failure(run: () => unknown): Promise<MiddlewareErrorLike> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  if (!isMiddlewareError(caught)) throw new Error(`expected a MiddlewareError, got ${String(caught)}`);
  return caught;
}

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
}

describe('jwt() options', () => {
  const base = { issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], key: publicKey };

  it.each(['issuer', 'audience', 'algorithms'] as const)('refuses to start without %s', (name) => {
    const { [name]: _left, ...rest } = base;
    expect(() => jwt(rest as JwtOptions)).toThrow(new RegExp(`jwt: ${name} is required`));
  });

  it('refuses an empty issuer list', () => {
    expect(() => jwt({ ...base, issuer: [] } as unknown as JwtOptions)).toThrow(ConfigError);
  });

  it('refuses an empty algorithm list', () => {
    expect(() => jwt({ ...base, algorithms: [] })).toThrow(ConfigError);
  });

  it('refuses the none algorithm, naming it', () => {
    expect(() => jwt({ ...base, algorithms: ['none'] } as unknown as JwtOptions)).toThrow(
      /"none" is not allowed/,
    );
  });

  it('refuses an empty key set', () => {
    expect(() => jwt({ ...base, key: { keys: [] } } as JwtOptions)).toThrow(/empty key set/);
  });

  it('refuses both jwksUri and key', () => {
    expect(() => jwt({ ...base, jwksUri: 'https://issuer.example.com/jwks' } as JwtOptions)).toThrow(
      /not both/,
    );
  });

  it('refuses neither jwksUri nor key', () => {
    const { key: _key, ...rest } = base;
    expect(() => jwt(rest as JwtOptions)).toThrow(/got neither/);
  });

  it('refuses HS algorithms with a public key set', () => {
    const { key: _key, ...rest } = base;
    expect(() => jwt({ ...rest, algorithms: ['HS256'], jwksUri: 'https://issuer.example.com/jwks' })).toThrow(
      /HS256 need a shared secret/,
    );
  });

  it('refuses a plain-http jwksUri off the loopback interface', () => {
    const { key: _key, ...rest } = base;
    expect(() => jwt({ ...rest, jwksUri: 'http://issuer.example.com/jwks' } as JwtOptions)).toThrow(
      /must use https/,
    );
  });

  it('refuses a shared secret shorter than 32 bytes', () => {
    expect(() => jwt({ ...base, algorithms: ['HS256'], key: new Uint8Array(16) })).toThrow(/32 bytes/);
  });

  it('refuses an unknown option with a suggestion', () => {
    expect(() => jwt({ ...base, clockTolerance: 5 } as unknown as JwtOptions)).toThrow(
      /did you mean clockToleranceSec/,
    );
  });

  it('exposes the audiences it accepts', () => {
    expect(strategy({ audience: [AUDIENCE, 'https://alt.example.com'] }).audiences).toEqual([
      AUDIENCE,
      'https://alt.example.com',
    ]);
  });
});

describe('jwt() verification', () => {
  it('maps sub, client_id, scope and roles into the principal', async () => {
    const token = await sign({ client_id: 'app', scope: 'a b', roles: ['ops', 7] });
    const { principal } = await strategy().verify(token);
    expect(principal).toMatchObject({ id: 'alice', clientId: 'app', scopes: ['a', 'b'], roles: ['ops'] });
  });

  it('reads scopes from an scp list and the client from azp', async () => {
    const { principal } = await strategy().verify(await sign({ scp: ['x', 'y'], azp: 'spa' }));
    expect([principal.scopes, principal.clientId]).toEqual([['x', 'y'], 'spa']);
  });

  it('builds authInfo with exp as expiresAt and the matched audience as resource', async () => {
    const token = await sign();
    const { authInfo } = await strategy().verify(token);
    expect([authInfo.expiresAt, authInfo.resource?.href, authInfo.clientId]).toEqual([
      nowSec + 600,
      AUDIENCE,
      'alice',
    ]);
  });

  it('maps claims with a custom principal function', async () => {
    const custom = strategy({
      principal: (claims) => ({ id: `u:${String(claims.sub)}`, scopes: [], roles: [], claims }),
    });
    expect((await custom.verify(await sign())).principal.id).toBe('u:alice');
  });

  it('verifies HS256 tokens with a shared secret', async () => {
    const secret = new Uint8Array(32).fill(7);
    const hs = strategy({ algorithms: ['HS256'], key: secret });
    expect((await hs.verify(await sign({}, secret, 'HS256'))).principal.id).toBe('alice');
  });

  it('accepts a single public JWK as the key', async () => {
    const fromJwk = strategy({ key: await exportJWK(publicKey) });
    expect((await fromJwk.verify(await sign())).principal.id).toBe('alice');
  });

  it('refuses a token whose typ differs when typ is required', async () => {
    const error = await failure(async () => strategy({ typ: 'JWT' }).verify(await sign()));
    expect(error.data).toEqual({ reason: 'invalid_claim' });
  });

  it('refuses a token older than maxTokenAgeSec', async () => {
    const error = await failure(async () =>
      strategy({ maxTokenAgeSec: 60 }).verify(await sign({ iat: nowSec - 120 })),
    );
    expect(error.data).toEqual({ reason: 'expired' });
  });

  it('refuses a token longer than maxTokenBytes before parsing it', async () => {
    const error = await failure(() => strategy({ maxTokenBytes: 256 }).verify('x'.repeat(257)));
    expect(error.data).toEqual({ reason: 'too_large' });
  });

  it('keeps the token and its claims out of the error and its cause', async () => {
    const token = await sign({ exp: nowSec - 60, secret_claim: 'classified' });
    const error = await failure(() => strategy().verify(token));
    const seen = JSON.stringify([
      error.message,
      error.data,
      String(error.cause),
      Object.keys(error.cause as object),
    ]);
    expect([seen.includes(token), seen.includes('classified'), error.data]).toEqual([
      false,
      false,
      { reason: 'expired' },
    ]);
  });
});

describe('jwt() as a resolver', () => {
  it('reads the token from the authorization header', async () => {
    const ctx = createTestContext({
      extra: { requestInfo: { headers: { authorization: `Bearer ${await sign()}` } } },
    });
    expect((await strategy()(ctx))?.id).toBe('alice');
  });

  it('reads the token from authInfo.token first', async () => {
    const ctx = createTestContext({
      extra: {
        authInfo: { token: await sign({ sub: 'from-auth-info' }), clientId: 'c', scopes: [] },
        requestInfo: { headers: { authorization: `Bearer ${await sign()}` } },
      },
    });
    expect((await strategy()(ctx))?.id).toBe('from-auth-info');
  });

  it('finds no credential when no bearer token is present', () => {
    const ctx = createTestContext({ extra: { requestInfo: { headers: { authorization: 'Basic dTpw' } } } });
    expect(strategy()(ctx)).toBeUndefined();
  });
});

describe('jwt() verified-token cache', () => {
  it('answers a repeated token synchronously from the cache', async () => {
    const verifier = strategy();
    const token = await sign();
    const first = await verifier.verify(token);
    expect(verifier.verify(token)).toBe(first);
  });

  it('stops serving a cached token at its exp', async () => {
    const clock = manualClock(START_MS);
    const verifier = strategy({ clock, clockToleranceSec: 0 });
    const token = await sign({ exp: nowSec + 60 });
    await verifier.verify(token);
    await clock.advance(60_000);
    const error = await failure(() => verifier.verify(token));
    expect(error.data).toEqual({ reason: 'expired' });
  });

  it('verifies again after cacheMaxAgeMs', async () => {
    const clock = manualClock(START_MS);
    const verifier = strategy({ clock, cacheMaxAgeMs: 1000 });
    const token = await sign();
    await verifier.verify(token);
    await clock.advance(1000);
    expect(verifier.verify(token)).toBeInstanceOf(Promise);
  });

  it('keeps at most cacheSize tokens', async () => {
    const verifier = strategy({ cacheSize: 2 });
    const tokens = await Promise.all([sign({ jti: '1' }), sign({ jti: '2' }), sign({ jti: '3' })]);
    for (const token of tokens) await verifier.verify(token);
    expect(tokens.map((t) => verifier.verify(t) instanceof Promise)).toEqual([true, false, false]);
  });

  it('forgets every verification on clearCache', async () => {
    const verifier = strategy();
    const token = await sign();
    await verifier.verify(token);
    verifier.clearCache();
    expect(verifier.verify(token)).toBeInstanceOf(Promise);
  });
});

describe('jwt() with a JWKS endpoint', () => {
  const remote = (jwksUri: string, extra: Partial<JwtOptions> = {}): ReturnType<typeof jwt> =>
    jwt({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      jwksUri,
      clock: manualClock(START_MS),
      ...extra,
    });

  it('verifies with keys fetched from the endpoint', async () => {
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const uri = await listen((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'bob', exp: nowSec + 600 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey);
    expect((await remote(uri).verify(token)).principal.id).toBe('bob');
  });

  it('reports an endpoint that answers 500 as a retryable UPSTREAM_ERROR', async () => {
    const uri = await listen((_req, res) => res.writeHead(500).end());
    const error = await failure(async () => remote(uri).verify(await sign()));
    expect([error.code, error.retryable, error.data]).toEqual([
      'UPSTREAM_ERROR',
      true,
      { reason: 'keys_unavailable' },
    ]);
  });

  it('reports an unreachable endpoint as UPSTREAM_ERROR', async () => {
    const uri = await listen(() => undefined);
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const error = await failure(async () => remote(uri).verify(await sign()));
    expect(error.code).toBe('UPSTREAM_ERROR');
  });

  // jose times the fetch with AbortSignal.timeout, a real timer a manual clock cannot drive: 50 ms is the
  // smallest delay that still lets a loopback request start.
  it('gives up on an endpoint that never answers after jwksTimeoutMs', async () => {
    const uri = await listen(() => undefined);
    const error = await failure(async () => remote(uri, { jwksTimeoutMs: 50 }).verify(await sign()));
    expect(error.code).toBe('UPSTREAM_ERROR');
  });
});
