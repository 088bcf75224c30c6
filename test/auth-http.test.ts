// Auth end to end over Streamable HTTP: a JWKS issuer and MCP hosts on 127.0.0.1, the real SDK client.
import {
  auth,
  bearerGate,
  fromAuthInfo,
  jwt,
  protectedResourceMetadata,
  type JwtStrategy,
} from '@mcp-middleware/auth';
import {
  ERROR_META_KEY,
  EventChannel,
  principalKey,
  withMiddleware,
  type MiddlewareEvent,
  type ToolExtra,
} from '@mcp-middleware/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type TestIssuer } from './fixtures/auth-issuer.js';
import { connectClient, startMcpHost, type McpHost } from './fixtures/auth-mcp-host.js';
import { hostileTokens, type HostileToken } from './fixtures/auth-tokens.js';

const RESOURCE = 'https://mcp.test/mcp';
const TOOLS = { 'admin_*': { scopes: ['admin'] } };

// Built at collection time so every hostile token gets its own test.
const issuer: TestIssuer = await startIssuer(RESOURCE);
const corpus: HostileToken[] = await hostileTokens(issuer);
let gated: McpHost;
let pipelined: McpHost;
// One session per host presents a different token on each request, as a client refreshing tokens would.
let presented: string | undefined;
let gatedClient: Client;
let pipelinedClient: Client;
const events: MiddlewareEvent[] = [];

function verifierFor(current: TestIssuer): JwtStrategy {
  return jwt({
    issuer: current.issuer,
    audience: RESOURCE,
    algorithms: ['RS256', 'ES256'],
    jwksUri: current.jwksUri,
    jwksCooldownMs: 0,
  });
}

function buildServer(from: Parameters<typeof auth>[0]): () => McpServer {
  const channel = new EventChannel();
  channel.subscribe((event) => events.push(event));
  return () => {
    const server = new McpServer({ name: 'auth-e2e', version: '1.0.0' });
    withMiddleware(server, [auth({ ...from, tools: TOOLS })], { events: channel });
    const whoami = (extra: ToolExtra): CallToolResult => ({
      content: [{ type: 'text', text: String(extra.authInfo?.clientId) }],
    });
    server.registerTool('whoami', { description: 'who is calling' }, whoami);
    server.registerTool('admin_reset', { description: 'admin only' }, whoami);
    return server;
  };
}

function textOf(result: unknown): string {
  const [first] = (result as CallToolResult).content as { type: string; text: string }[];
  return first?.text ?? '';
}

function detailOf(result: { _meta?: Record<string, unknown> | undefined }): {
  code?: string;
  data?: { reason?: string };
} {
  return result._meta?.[ERROR_META_KEY] ?? {};
}

beforeAll(async () => {
  const metadata = protectedResourceMetadata({
    resource: RESOURCE,
    authorizationServers: [issuer.issuer],
    scopesSupported: ['tools:read', 'admin'],
  });
  gated = await startMcpHost({
    buildServer: buildServer({ from: fromAuthInfo({ resource: RESOURCE }) }),
    gate: bearerGate({ verifier: verifierFor(issuer), resource: RESOURCE, tools: TOOLS }),
    metadata,
  });
  pipelined = await startMcpHost({ buildServer: buildServer({ from: verifierFor(issuer) }) });
  presented = await issuer.sign();
  gatedClient = await connectClient(gated.url, () => presented);
  pipelinedClient = await connectClient(pipelined.url, () => presented);
});

afterAll(async () => {
  await gatedClient.close();
  await pipelinedClient.close();
  await gated.close();
  await pipelined.close();
  await issuer.close();
});

describe('the hostile token corpus', () => {
  it('holds at least 25 distinct tokens', () => {
    expect(new Set(corpus.map((t) => t.token)).size).toBe(corpus.length);
    expect(corpus.length).toBeGreaterThanOrEqual(25);
  });
});

describe('the bearer gate in front of StreamableHTTPServerTransport', () => {
  it.each(corpus)('refuses a token $name with 401 and never echoes it', async ({ token }) => {
    presented = token;
    const failure = await gatedClient.callTool({ name: 'whoami', arguments: {} }).then(
      () => undefined,
      (error: unknown) => error as { code?: number; message: string },
    );
    expect(failure?.code).toBe(401);
    expect(failure?.message).toContain('invalid_token');
    expect(failure?.message).not.toContain(token);
  });

  it('lets a valid RS256 token through and hands the SDK its authInfo', async () => {
    const client = await connectClient(gated.url, await issuer.sign());
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('client-1');
  });

  it('lets a valid ES256 token through', async () => {
    const ecKey = issuer.published.find((k) => k.alg === 'ES256');
    const client = await connectClient(gated.url, await issuer.sign({}, { key: ecKey! }));
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    expect(result.isError).toBeFalsy();
  });

  it('answers a request without a token with a challenge that names the metadata but no error', async () => {
    const response = await fetch(gated.url, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('answers an expired token with error="invalid_token" and the reason', async () => {
    const expired = corpus.find((t) => t.reason === 'expired')!;
    const response = await fetch(gated.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${expired.token}` },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="the token has expired", ' +
        'resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('answers a tools/call that lacks a tool scope with 403 insufficient_scope naming it', async () => {
    const response = await fetch(gated.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await issuer.sign()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'admin_reset' } }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('scope="admin"');
  });

  it('refuses the SDK client a tool call its token lacks the scope for', async () => {
    const client = await connectClient(gated.url, await issuer.sign());
    const failure = await client.callTool({ name: 'admin_reset', arguments: {} }).then(
      () => undefined,
      (error: unknown) => error as { code?: number },
    );
    await client.close();
    expect(failure?.code).toBe(403);
  });

  it('admits the admin tool for a token that grants admin', async () => {
    const client = await connectClient(gated.url, await issuer.sign({ scope: 'tools:read admin' }));
    const result = await client.callTool({ name: 'admin_reset', arguments: {} });
    await client.close();
    expect(result.isError).toBeFalsy();
  });

  it('serves the protected-resource metadata at the well-known path', async () => {
    const response = await fetch(`${gated.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(await response.json()).toEqual({
      resource: RESOURCE,
      authorization_servers: [`${issuer.issuer}/`],
      bearer_methods_supported: ['header'],
      scopes_supported: ['tools:read', 'admin'],
    });
  });
});

describe('auth() reading the bearer header inside the pipeline', () => {
  it.each(corpus)('refuses a token $name as UNAUTHENTICATED ($reason)', async ({ token, reason }) => {
    presented = token;
    const result = await pipelinedClient.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBe(true);
    expect(detailOf(result)).toEqual({ code: 'UNAUTHENTICATED', retryable: false, data: { reason } });
    expect(JSON.stringify(result)).not.toContain(token);
  });

  it('admits a valid token and names its client', async () => {
    const client = await connectClient(pipelined.url, await issuer.sign());
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    expect(result.isError).toBeFalsy();
  });

  it('answers a tool the token lacks the scope for exactly as an unknown tool', async () => {
    const client = await connectClient(pipelined.url, await issuer.sign());
    const hidden = await client.callTool({ name: 'admin_reset', arguments: {} });
    const unknown = await client.callTool({ name: 'missing', arguments: {} });
    await client.close();
    expect(JSON.stringify(hidden)).toBe(JSON.stringify(unknown).replaceAll('missing', 'admin_reset'));
    expect(events).toContainEqual({ type: 'reject', code: 'FORBIDDEN', source: 'auth' });
  });

  it('publishes reject events that never carry a token', () => {
    const rejects = events.filter((e) => e.type === 'reject');
    expect(rejects.length).toBeGreaterThanOrEqual(corpus.length);
    expect(rejects.every((e) => e.type === 'reject' && e.source === 'auth')).toBe(true);
    const text = JSON.stringify(events);
    expect(corpus.some((t) => text.includes(t.token))).toBe(false);
  });
});

describe('key rotation at the issuer', () => {
  it('is picked up without a restart, and tokens of the withdrawn key stop working', async () => {
    const rotating = await startIssuer(RESOURCE, 'ES256');
    const verifier = verifierFor(rotating);
    const host = await startMcpHost({
      buildServer: () => {
        const server = new McpServer({ name: 'rotation', version: '1.0.0' });
        withMiddleware(server, [auth({ from: verifier })]);
        server.registerTool('whoami', {}, (extra) => ({
          content: [{ type: 'text', text: String(extra.authInfo === undefined) }],
        }));
        return server;
      },
    });
    const call = async (token: string): Promise<CallToolResult> => {
      const client = await connectClient(host.url, token);
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as CallToolResult;
      await client.close();
      return result;
    };
    try {
      const before = await call(await rotating.sign());
      const withdrawn = await rotating.rotate();
      const after = await call(await rotating.sign());
      const stale = await call(await rotating.sign({ jti: 'fresh' }, { key: withdrawn }));
      expect(before.isError).toBeFalsy();
      expect(after.isError).toBeFalsy();
      expect(detailOf(stale)).toMatchObject({ code: 'UNAUTHENTICATED', data: { reason: 'unknown_key' } });
      expect(rotating.fetches).toBeGreaterThanOrEqual(2);
    } finally {
      await host.close();
      await rotating.close();
    }
  });

  it('hands the verified principal to later middlewares through principalKey', async () => {
    let seen: string | undefined;
    const host = await startMcpHost({
      buildServer: () => {
        const server = new McpServer({ name: 'principal', version: '1.0.0' });
        withMiddleware(server, [
          auth({ from: verifierFor(issuer) }),
          async (ctx, next) => {
            seen = ctx.get(principalKey)?.id;
            return next(ctx);
          },
        ]);
        server.registerTool('whoami', {}, () => ({ content: [] }));
        return server;
      },
    });
    try {
      const client = await connectClient(host.url, await issuer.sign({ sub: 'alice' }));
      await client.callTool({ name: 'whoami', arguments: {} });
      await client.close();
    } finally {
      await host.close();
    }
    expect(seen).toBe('alice');
  });
});
