import { ConfigError, isMiddlewareError, type MiddlewareErrorLike } from '@mcp-middleware/core';
import { createTestContext, manualClock } from '@mcp-middleware/core/testing';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { apiKeys, envCredential, hashApiKey } from './api-keys.js';
import { jwt } from './jwt.js';

const CI_KEY = 'mcp_live_3f9c2a7d5e1b4c8a';
const keys = [
  { id: 'ci-bot', sha256: hashApiKey(CI_KEY), scopes: ['tools:read'], roles: ['automation'] },
  { id: 'ops', sha256: hashApiKey('mcp_live_other'), claims: { team: 'ops' } },
];

function failure(run: () => unknown): MiddlewareErrorLike {
  try {
    run();
  } catch (error) {
    if (isMiddlewareError(error)) return error;
    throw error;
  }
  throw new Error('expected a MiddlewareError');
}

const withHeaders = (headers: Record<string, string | string[]>): ReturnType<typeof createTestContext> =>
  createTestContext({ extra: { requestInfo: { headers } } });

describe('hashApiKey', () => {
  it('is the SHA-256 hex digest of the key', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('apiKeys()', () => {
  const strategy = apiKeys({ keys });

  it('resolves the principal of a matching key sent in x-api-key', () => {
    expect(strategy(withHeaders({ 'x-api-key': CI_KEY }))).toMatchObject({
      id: 'ci-bot',
      clientId: 'ci-bot',
      scopes: ['tools:read'],
      roles: ['automation'],
    });
  });

  it('hands on a key’s claims', () => {
    expect(strategy(withHeaders({ 'x-api-key': 'mcp_live_other' }))?.claims).toEqual({ team: 'ops' });
  });

  it('refuses an unknown key as unknown_api_key', () => {
    expect(failure(() => strategy(withHeaders({ 'x-api-key': 'mcp_live_guess' }))).data).toEqual({
      reason: 'unknown_api_key',
    });
  });

  it('keeps the presented key out of the error', () => {
    const error = failure(() => strategy(withHeaders({ 'x-api-key': 'mcp_live_guess' })));
    expect(JSON.stringify([error.message, error.data, String(error.cause)])).not.toContain('mcp_live_guess');
  });

  it('finds no credential without the header', () => {
    expect(strategy(withHeaders({ authorization: `Bearer ${CI_KEY}` }))).toBeUndefined();
  });

  it('refuses an empty header as malformed', () => {
    expect(failure(() => strategy(withHeaders({ 'x-api-key': '' }))).data).toEqual({ reason: 'malformed' });
  });

  it('refuses a key sent twice as malformed', () => {
    expect(failure(() => strategy(withHeaders({ 'x-api-key': [CI_KEY, CI_KEY] }))).data).toEqual({
      reason: 'malformed',
    });
  });

  it('refuses an over-long key before hashing it', () => {
    expect(failure(() => strategy.verify('k'.repeat(2000))).data).toEqual({ reason: 'too_large' });
  });

  it('reads Authorization: Bearer when header is authorization', () => {
    const bearer = apiKeys({ keys, header: 'authorization' });
    expect(bearer(withHeaders({ authorization: `Bearer ${CI_KEY}` }))?.id).toBe('ci-bot');
  });

  it('reads a custom header', () => {
    const custom = apiKeys({ keys, header: 'x-mcp-key' });
    expect(custom(withHeaders({ 'x-mcp-key': CI_KEY }))?.id).toBe('ci-bot');
  });

  it('verifies a key directly for the bearer gates, with no audience to check', () => {
    const verified = strategy.verify(CI_KEY);
    expect([verified.principal.id, verified.authInfo.resource, strategy.issuedHere]).toEqual([
      'ci-bot',
      undefined,
      true,
    ]);
  });

  it('refuses an empty key list', () => {
    expect(() => apiKeys({ keys: [] })).toThrow(/empty list/);
  });

  it('refuses a digest that is not 64 hex characters, naming the entry', () => {
    expect(() => apiKeys({ keys: [{ id: 'x', sha256: CI_KEY }] })).toThrow(/keys\[0\]\.sha256/);
  });

  it('refuses the same key listed twice', () => {
    expect(() => apiKeys({ keys: [keys[0]!, { ...keys[0]!, id: 'again' }] })).toThrow(ConfigError);
  });

  it('refuses an entry without an id', () => {
    expect(() => apiKeys({ keys: [{ sha256: hashApiKey('a') } as never] })).toThrow(/keys\[0\]\.id/);
  });

  it('refuses an upper-case header name', () => {
    expect(() => apiKeys({ keys, header: 'X-Api-Key' })).toThrow(/lower-case/);
  });
});

describe('envCredential()', () => {
  const verifier = apiKeys({ keys });

  it('resolves the principal of the key the launching client put in the environment', () => {
    const resolve = envCredential({ verifier, env: { MCP_AUTH_TOKEN: CI_KEY } });
    expect(resolve(createTestContext())).toMatchObject({ id: 'ci-bot' });
  });

  it('accepts the credential with a Bearer prefix', () => {
    const resolve = envCredential({ verifier, variable: 'TOKEN', env: { TOKEN: `Bearer ${CI_KEY}` } });
    expect(resolve(createTestContext())).toMatchObject({ id: 'ci-bot' });
  });

  it('leaves calls that arrive over HTTP alone', () => {
    const resolve = envCredential({ verifier, env: { MCP_AUTH_TOKEN: CI_KEY } });
    expect(resolve(withHeaders({}))).toBeUndefined();
  });

  it('refuses stdio calls when the variable is unset', () => {
    const resolve = envCredential({ verifier, env: {} });
    expect(failure(() => resolve(createTestContext())).data).toEqual({ reason: 'missing_credentials' });
  });

  it('refuses a wrong key in the environment', () => {
    const resolve = envCredential({ verifier, env: { MCP_AUTH_TOKEN: 'nope' } });
    expect(failure(() => resolve(createTestContext())).data).toEqual({ reason: 'unknown_api_key' });
  });

  it('reads the environment once, when the factory runs', () => {
    const env: Record<string, string | undefined> = { MCP_AUTH_TOKEN: CI_KEY };
    const resolve = envCredential({ verifier, env });
    env['MCP_AUTH_TOKEN'] = 'changed';
    expect(resolve(createTestContext())).toMatchObject({ id: 'ci-bot' });
  });

  it('checks a JWT from the environment with a jwt() verifier', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const now = 1_700_000_000;
    const token = await new SignJWT({
      iss: 'https://idp',
      aud: 'stdio:server',
      sub: 'desktop-user',
      exp: now + 60,
    })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    const resolve = envCredential({
      verifier: jwt({
        issuer: 'https://idp',
        audience: 'stdio:server',
        algorithms: ['ES256'],
        key: publicKey,
        clock: manualClock(now * 1000),
      }),
      env: { MCP_AUTH_TOKEN: token },
    });
    expect((await resolve(createTestContext()))?.id).toBe('desktop-user');
  });

  it('refuses to start without a verifier', () => {
    expect(() => envCredential({} as never)).toThrow(/verifier must be a token verifier/);
  });
});
