import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@mcp-middleware/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protectedResourceMetadata, resourceMetadataUrl } from './metadata.js';

const metadata = protectedResourceMetadata({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://auth.example.com'],
  scopesSupported: ['tools:read', 'admin'],
  resourceName: 'Example MCP',
});

describe('resourceMetadataUrl()', () => {
  it('suffixes the well-known path with the resource path', () => {
    expect(resourceMetadataUrl('https://mcp.example.com/v1/mcp')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource/v1/mcp',
    );
  });

  it('uses the bare well-known path for a resource at the root', () => {
    expect(resourceMetadataUrl('https://mcp.example.com')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    );
  });
});

describe('protectedResourceMetadata()', () => {
  it('builds the RFC 9728 document', () => {
    expect(metadata.document).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://auth.example.com/'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['tools:read', 'admin'],
      resource_name: 'Example MCP',
    });
  });

  it('places the document at the well-known URL of the resource', () => {
    expect([metadata.url, metadata.path]).toEqual([
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource/mcp',
    ]);
  });

  it('omits authorization_servers for a server that mints its own credentials (an empty list)', () => {
    const metadata = protectedResourceMetadata({
      resource: 'https://mcp.example.com/mcp',
      authorizationServers: [],
    });
    expect(metadata.document).toEqual({
      resource: 'https://mcp.example.com/mcp',
      bearer_methods_supported: ['header'],
    });
  });

  it('refuses authorizationServers that is not a list', () => {
    expect(() =>
      protectedResourceMetadata({
        resource: 'https://mcp.example.com/mcp',
        authorizationServers: 'https://a' as unknown as string[],
      }),
    ).toThrow(ConfigError);
  });

  it('refuses a resource with a fragment', () => {
    expect(() =>
      protectedResourceMetadata({
        resource: 'https://mcp.example.com/mcp#x',
        authorizationServers: ['https://a'],
      }),
    ).toThrow(ConfigError);
  });

  it('refuses an authorization server that is not an absolute URL, naming it', () => {
    expect(() =>
      protectedResourceMetadata({ resource: 'https://mcp.example.com/mcp', authorizationServers: ['auth'] }),
    ).toThrow(/authorizationServers\.0/);
  });
});

describe('handleFetch()', () => {
  it('serves the document with CORS and caching headers', async () => {
    const response = metadata.handleFetch(new Request(metadata.url))!;
    expect([
      response.status,
      response.headers.get('access-control-allow-origin'),
      response.headers.get('cache-control'),
      await response.json(),
    ]).toEqual([200, '*', 'public, max-age=3600', metadata.document]);
  });

  it('answers a CORS preflight', () => {
    expect(metadata.handleFetch(new Request(metadata.url, { method: 'OPTIONS' }))?.status).toBe(204);
  });

  it('refuses other methods with 405', () => {
    expect(metadata.handleFetch(new Request(metadata.url, { method: 'POST' }))?.status).toBe(405);
  });

  it('leaves other paths alone', () => {
    expect(metadata.handleFetch(new Request('https://mcp.example.com/mcp'))).toBeUndefined();
  });
});

describe('handle() on node:http', () => {
  let origin = '';
  let passedOn = 0;
  const server = createServer((req, res) => {
    if (!metadata.handle(req, res, () => passedOn++)) res.writeHead(404).end();
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves the document at its path, ignoring a query', async () => {
    const response = await fetch(`${origin}${metadata.path}?x=1`);
    expect(await response.json()).toEqual(metadata.document);
  });

  it('calls next for other paths', async () => {
    const before = passedOn;
    const response = await fetch(`${origin}/mcp`);
    expect([response.status, passedOn - before]).toEqual([404, 1]);
  });
});
