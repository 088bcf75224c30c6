// The README's snippets, verbatim between the markers, type-checked and run.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MiddlewareError, principalKey, withMiddleware, type Middleware } from '@mcp-middleware/core';
import { createTestContext, stubHandler } from '@mcp-middleware/core/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { describe, expect, it } from 'vitest';
import {
  apiKeys,
  auth,
  bearerGate,
  envCredential,
  fetchBearerGate,
  hashApiKey,
  jwt,
  protectedResourceMetadata,
  type PrincipalResolver,
} from './index.js';

// #region smallest-usage
const resource = 'https://mcp.example.com/mcp'; // this server's canonical URI: the token audience
const verifier = jwt({
  issuer: 'https://auth.example.com',
  audience: resource,
  algorithms: ['RS256', 'ES256'],
  jwksUri: 'https://auth.example.com/.well-known/jwks.json',
});
const gate = bearerGate({ verifier, resource });
const metadata = protectedResourceMetadata({ resource, authorizationServers: ['https://auth.example.com'] });

function buildServer(): McpServer {
  const mcp = new McpServer({ name: 'files', version: '1.0.0' });
  withMiddleware(mcp, [auth({ tools: { 'admin_*': { scopes: ['admin'] } } })]);
  mcp.registerTool('admin_reindex', { description: 'Rebuild the index' }, () => ({ content: [] }));
  return mcp;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (metadata.handle(req, res)) return; // GET /.well-known/oauth-protected-resource/mcp
  if (!(await gate(req, res))) return; // 401 or 403 already sent; otherwise req.auth is set
  const transport = new StreamableHTTPServerTransport({});
  await buildServer().connect(transport); // stateless (no session ids): a server and transport per request
  await transport.handleRequest(req, res); // hands req.auth to tools as extra.authInfo
}

const httpServer = createServer((req, res) => void handle(req, res));
// #endregion smallest-usage

// #region fetch-style
const fetchGate = fetchBearerGate({ verifier, resource });

async function handleFetch(request: Request): Promise<Response> {
  const document = metadata.handleFetch(request);
  if (document !== undefined) return document;
  const authInfo = await fetchGate(request);
  if (authInfo instanceof Response) return authInfo; // the 401 or 403
  const transport = new WebStandardStreamableHTTPServerTransport({});
  await buildServer().connect(transport);
  return transport.handleRequest(request, { authInfo });
}
// #endregion fetch-style

// #region stdio
// Once, offline: hashApiKey('the key you hand the desktop client') → store only the digest.
const desktopKeys = apiKeys({
  keys: [
    {
      id: 'desktop',
      sha256: '5c3f1f4b2b7a3cbb9a1f8d87c3f7d51a0b8f0d9f1b6f5c3e1c2b8a7d6e5f4a3b',
      scopes: ['files:read'],
    },
  ],
});
const stdioAuth = auth({ from: envCredential({ verifier: desktopKeys, variable: 'MCP_AUTH_TOKEN' }) });
// #endregion stdio

// #region several-sources
const partnerKeys = apiKeys({ keys: [{ id: 'partner-a', sha256: hashApiKey('demo-only-key') }] });
const users = jwt({
  issuer: 'https://auth.example.com',
  audience: 'https://mcp.example.com/mcp',
  algorithms: ['RS256'],
  jwksUri: 'https://auth.example.com/.well-known/jwks.json',
});
// A bearer JWT if there is one, else an x-api-key header; a bad credential is refused, not skipped.
const mixedAuth = auth({
  from: [users, partnerKeys],
  tools: { 'billing_*': { scopes: ['billing'] }, 'deploy_*': { roles: ['ops', 'sre'] } },
});
// #endregion several-sources

// #region custom-resolver
const internalCaller: PrincipalResolver = (ctx) => {
  const caller = ctx.requestInfo?.headers['x-internal-caller'];
  if (typeof caller !== 'string') return undefined; // not ours: the next resolver may try
  return { id: `svc:${caller}`, scopes: ['tools:read'], roles: ['service'], claims: {} };
};
const meshAuth = auth({ from: internalCaller });
// #endregion custom-resolver

// #region read-principal
const suspended = new Set(['svc:crawler']);
const suspension: Middleware = (ctx, next) => {
  const caller = ctx.get(principalKey); // set by auth(), which runs earlier in the pipeline
  if (caller !== undefined && suspended.has(caller.id)) {
    return Promise.reject(
      new MiddlewareError('FORBIDDEN', `caller ${caller.id} is suspended; contact the operator`),
    );
  }
  return next(ctx);
};
// #endregion read-principal

describe('README snippets', () => {
  it('smallest usage: answers an unauthenticated request with 401 and a resource_metadata challenge', async () => {
    const server = httpServer;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', body: '{}' });
      expect([response.status, response.headers.get('www-authenticate')]).toEqual([
        401,
        'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('fetch style: serves the metadata document and refuses a request without a token', async () => {
    const document = await handleFetch(
      new Request('https://mcp.example.com/.well-known/oauth-protected-resource/mcp'),
    );
    const refused = await handleFetch(new Request('https://mcp.example.com/mcp', { method: 'POST' }));
    expect([document.status, refused.status]).toEqual([200, 401]);
  });

  it('stdio: refuses calls when the launching client set no credential', async () => {
    const ctx = createTestContext();
    const outcome = await stdioAuth(ctx, stubHandler()).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('several sources: an API key is accepted when no bearer token is sent', async () => {
    const ctx = createTestContext({ extra: { requestInfo: { headers: { 'x-api-key': 'demo-only-key' } } } });
    await mixedAuth(ctx, stubHandler());
    expect(ctx.get(principalKey)?.id).toBe('partner-a');
  });

  it('custom resolver: names the internal caller', async () => {
    const ctx = createTestContext({
      extra: { requestInfo: { headers: { 'x-internal-caller': 'indexer' } } },
    });
    await meshAuth(ctx, stubHandler());
    expect(ctx.get(principalKey)?.id).toBe('svc:indexer');
  });

  it('reading the principal: a later middleware refuses a suspended caller', async () => {
    const ctx = createTestContext({
      extra: { requestInfo: { headers: { 'x-internal-caller': 'crawler' } } },
    });
    const outcome = await meshAuth(ctx, (c) => suspension(c!, stubHandler())).catch((e: unknown) => e);
    expect(outcome).toMatchObject({
      code: 'FORBIDDEN',
      message: 'caller svc:crawler is suspended; contact the operator',
    });
  });
});
