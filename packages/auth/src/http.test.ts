import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, MiddlewareError, type AuthInfo, type Principal } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { apiKeys, hashApiKey } from './api-keys.js';
import { bearerChallenge } from './challenge.js';
import { bearerGate, fetchBearerGate, type BearerGateOptions, type GatedRequest } from './http.js';
import { credentialError, keysUnavailableError } from './problems.js';
import type { TokenVerifier, VerifiedToken } from './resolver.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

const principal: Principal = { id: 'alice', scopes: ['tools:read'], roles: [], claims: {} };

/** A verifier that accepts "good-*" tokens for RESOURCE (its scopes after the dash), refuses others. */
const verifier: TokenVerifier = {
  audiences: [RESOURCE],
  verify(token: string): VerifiedToken {
    if (!token.startsWith('good')) throw credentialError('invalid_signature');
    const scopes = token.split('-').slice(1);
    return {
      principal,
      authInfo: { token, clientId: 'app', scopes, expiresAt: 2_000_000_000, resource: new URL(RESOURCE) },
    };
  },
};

const gate = (overrides: Partial<BearerGateOptions> = {}): ReturnType<typeof fetchBearerGate> =>
  fetchBearerGate({ verifier, resource: RESOURCE, ...overrides });

const post = (authorization?: string): Request =>
  new Request(RESOURCE, {
    method: 'POST',
    headers: authorization === undefined ? {} : { authorization },
  });

async function refused(result: Promise<AuthInfo | Response>): Promise<Response> {
  const outcome = await result;
  if (!(outcome instanceof Response)) throw new Error('expected a refusal');
  return outcome;
}

const call = (name: string, id = 1): unknown => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name },
});

describe('fetchBearerGate()', () => {
  it('returns the verified authInfo for a valid token', async () => {
    const outcome = await gate()(post('Bearer good-tools:read'));
    expect(outcome).toMatchObject({ token: 'good-tools:read', clientId: 'app' });
  });

  it('answers a request without credentials with 401 and a challenge without an error code', async () => {
    const response = await refused(gate()(post()));
    expect([response.status, response.headers.get('www-authenticate')]).toEqual([
      401,
      `Bearer resource_metadata="${METADATA}"`,
    ]);
  });

  it('treats another authorization scheme as no credentials', async () => {
    const response = await refused(gate()(post('Basic dTpw')));
    expect(response.headers.get('www-authenticate')).not.toContain('error=');
  });

  it('answers a bad token with 401 invalid_token and the reason, never the token', async () => {
    const response = await refused(gate()(post('Bearer forged-token-value')));
    const body = await response.text();
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="the token signature does not verify", resource_metadata="${METADATA}"`,
    );
    expect(body.includes('forged-token-value')).toBe(false);
  });

  it('answers a Bearer header without a token with 401 invalid_token', async () => {
    const response = await refused(gate()(post('Bearer ')));
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a token the verifier reports for another resource', async () => {
    const elsewhere: TokenVerifier = {
      verify: (token) => ({
        principal,
        authInfo: { token, clientId: 'app', scopes: [], resource: new URL('https://other.example.com/mcp') },
      }),
    };
    const response = await refused(gate({ verifier: elsewhere })(post('Bearer good')));
    expect(response.headers.get('www-authenticate')).toContain('not issued for this server');
  });

  it('refuses a token from a verifier that reports no resource', async () => {
    const unbound: TokenVerifier = {
      verify: (token) => ({ principal, authInfo: { token, clientId: 'a', scopes: [] } }),
    };
    const response = await refused(gate({ verifier: unbound })(post('Bearer good')));
    expect(response.status).toBe(401);
  });

  it('admits API keys, which are issued for this server alone', async () => {
    const keys = apiKeys({ keys: [{ id: 'ci', sha256: hashApiKey('key-1') }], header: 'authorization' });
    const outcome = await gate({ verifier: keys })(post('Bearer key-1'));
    expect(outcome).toMatchObject({ clientId: 'ci' });
  });

  it('names the scopes every request needs in its challenges', async () => {
    const response = await refused(gate({ scopes: ['mcp:tools', 'mcp:read'] })(post()));
    expect(response.headers.get('www-authenticate')).toContain('scope="mcp:tools mcp:read"');
  });

  it('answers a token without a required scope with 403 insufficient_scope', async () => {
    const response = await refused(gate({ scopes: ['mcp:tools'] })(post('Bearer good-other')));
    expect([response.status, response.headers.get('www-authenticate')]).toEqual([
      403,
      'Bearer error="insufficient_scope", error_description="this request needs the scopes mcp:tools", ' +
        `scope="mcp:tools", resource_metadata="${METADATA}"`,
    ]);
  });

  it('answers a batch with one 403 naming every scope its tool calls need', async () => {
    const tools = { 'admin_*': { scopes: ['admin'] }, deploy: { scopes: ['deploy', 'admin'] } };
    const response = await refused(
      gate({ tools, scopes: ['base'] })(post('Bearer good-base'), [call('admin_reset'), call('deploy', 2)]),
    );
    expect(response.headers.get('www-authenticate')).toContain('scope="base admin deploy"');
  });

  it('lets a tool call through when the token holds its scopes', async () => {
    const outcome = await gate({ tools: { 'admin_*': { scopes: ['admin'] } } })(
      post('Bearer good-admin'),
      call('admin_reset'),
    );
    expect(outcome).not.toBeInstanceOf(Response);
  });

  it('answers 503 with Retry-After when the keys cannot be fetched', async () => {
    const down: TokenVerifier = {
      verify: () => Promise.reject(keysUnavailableError(new Error('ECONNREFUSED'))),
    };
    const response = await refused(gate({ verifier: down })(post('Bearer good')));
    expect([response.status, response.headers.get('retry-after')]).toEqual([503, '5']);
  });

  it('answers 500 without detail when the verifier fails unexpectedly', async () => {
    const broken: TokenVerifier = {
      verify: () => {
        throw new MiddlewareError('INTERNAL', 'database password=hunter2 rejected');
      },
    };
    const response = await refused(gate({ verifier: broken })(post('Bearer good')));
    expect([response.status, (await response.text()).includes('hunter2')]).toEqual([500, false]);
  });

  it('advertises a custom metadata URL', async () => {
    const response = await refused(gate({ resourceMetadataUrl: 'https://meta.example.com/prm' })(post()));
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://meta.example.com/prm"',
    );
  });
});

describe('gate options', () => {
  it('refuses to start without a resource', () => {
    expect(() => fetchBearerGate({ verifier } as BearerGateOptions)).toThrow(/resource must be/);
  });

  it('refuses a resource the verifier does not accept as an audience', () => {
    expect(() => fetchBearerGate({ verifier, resource: 'https://elsewhere.example.com/mcp' })).toThrow(
      /not among the verifier's audiences/,
    );
  });

  it('refuses to start without a verifier', () => {
    expect(() => bearerGate({ resource: RESOURCE } as BearerGateOptions)).toThrow(ConfigError);
  });

  it('refuses a scope with a space', () => {
    expect(() => fetchBearerGate({ verifier, resource: RESOURCE, scopes: ['a b'] })).toThrow(ConfigError);
  });
});

describe('bearerGate() on node:http', () => {
  async function serve(
    authorization: string | undefined,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; auth: AuthInfo | undefined; nexts: number }> {
    const nodeGate = bearerGate({ verifier, resource: RESOURCE });
    let auth: AuthInfo | undefined;
    let nexts = 0;
    const server = createServer((req: GatedRequest, res) => {
      void nodeGate(req, res, () => {
        nexts++;
        auth = req.auth;
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { status, headers } = await new Promise<{ status: number; headers: IncomingHttpHeaders }>(
        (resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/mcp',
              headers: authorization ? { authorization } : {},
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
            },
          );
          req.on('error', reject);
          req.end();
        },
      );
      return { status, headers, auth, nexts };
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('sets req.auth for the transport and calls next', async () => {
    const { status, auth, nexts } = await serve('Bearer good-tools:read');
    expect([status, auth?.clientId, nexts]).toEqual([204, 'app', 1]);
  });

  it('writes the 401 itself and does not call next', async () => {
    const { status, headers, nexts } = await serve('Bearer bad');
    expect([status, headers['www-authenticate']?.startsWith('Bearer error="invalid_token"'), nexts]).toEqual([
      401,
      true,
      0,
    ]);
  });
});

describe('bearerChallenge()', () => {
  it('strips quotes and backslashes from parameter values', () => {
    expect(
      bearerChallenge({ error: 'invalid_token', description: 'a "quoted" \\ text', resourceMetadata: 'u' }),
    ).toBe('Bearer error="invalid_token", error_description="a quoted  text", resource_metadata="u"');
  });
});
