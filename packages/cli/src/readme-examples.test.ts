// The README's code, compiled and run: each snippet between `readme:` markers is copied verbatim.
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_META_KEY } from '@mcp-middleware/core';
// readme: smallest usage
import { createGateway, type Gateway, type UpstreamSpec } from '@mcp-middleware/cli';
import { MiddlewareError, type Middleware } from '@mcp-middleware/core';
import { metrics } from '@mcp-middleware/metrics';
import { Registry } from 'prom-client';

/** Lets through only the tools the upstream marks read-only. */
const readOnlyTools: Middleware = async function readOnlyTools(ctx, next) {
  if (ctx.tool.annotations?.readOnlyHint !== true) {
    throw new MiddlewareError(
      'FORBIDDEN',
      `tool \`${ctx.tool.name}\` is not read-only; this gateway refuses it`,
    );
  }
  return next();
};

export function readOnlyGateway(upstream: UpstreamSpec): Promise<Gateway> {
  const registry = new Registry(); // one registry: the gateway serves it on /metrics
  return createGateway({
    upstream, // { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] }, or { url }
    pipeline: [metrics({ registry }), readOnlyTools],
    registry,
    listen: 'http://127.0.0.1:0/mcp', // port 0 picks a free port; gateway.url says which
  });
}
// readme: end

// An upstream to run the example against: a real McpServer on Streamable HTTP in this process.
async function startUpstream(): Promise<{ url: URL; server: HttpServer }> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const server = createServer((req, res) => {
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? transports.get(id) : undefined;
    if (known !== undefined) return void known.handleRequest(req, res);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sessionId) => void transports.set(sessionId, transport),
    });
    const mcp = new McpServer({ name: 'notes', version: '1.0.0' });
    mcp.registerTool(
      'read_note',
      { inputSchema: { id: z.string() }, annotations: { readOnlyHint: true } },
      ({ id }) => ({
        content: [{ type: 'text', text: `note ${id}` }],
      }),
    );
    mcp.registerTool('delete_note', { inputSchema: { id: z.string() } }, () => ({
      content: [{ type: 'text', text: 'gone' }],
    }));
    void mcp.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`), server };
}

describe('README: smallest usage', () => {
  let upstream: { url: URL; server: HttpServer };
  let gateway: Gateway;
  let client: Client;

  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await readOnlyGateway({ url: upstream.url });
    client = new Client({ name: 'readme', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(gateway.url!));
  });
  afterAll(async () => {
    await client.close();
    await gateway.close();
    upstream.server.closeAllConnections();
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  it('runs a read-only tool through the gateway', async () => {
    const result = await client.callTool({ name: 'read_note', arguments: { id: '7' } });
    expect(result.content).toEqual([{ type: 'text', text: 'note 7' }]);
  });

  it('refuses a tool the upstream does not mark read-only, without calling it', async () => {
    const result = await client.callTool({ name: 'delete_note', arguments: { id: '7' } });
    expect(result.isError).toBe(true);
    expect(result._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('serves the pipeline metrics and its own on the same /metrics', async () => {
    const body = await (await fetch(new URL('/metrics', gateway.url))).text();
    expect(body).toContain('mcp_server_operation_duration_seconds_count');
    expect(body).toContain('mcp_gateway_upstream_up 1');
  });
});
