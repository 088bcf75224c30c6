// The gateway listening on Streamable HTTP in front of an HTTP upstream (the fixture McpServer, in this process).
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Middleware, ToolInfo } from '@mcp-middleware/core';
import { createGateway, type Gateway, type GatewayEvent, type GatewayOptions } from '@mcp-middleware/cli';
import { initializeRequest } from './fixtures/raw-initialize.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';
import {
  abortBlocked,
  cancelledCount,
  errorCode,
  eventRecorder,
  startBlock,
  text,
} from './fixtures/upstream-helpers.js';

interface Harness {
  readonly upstream: HttpUpstreamFixture;
  readonly gateway: Gateway;
  readonly client: Client;
  readonly events: GatewayEvent[];
  next(type: GatewayEvent['type']): Promise<GatewayEvent>;
  stop(): Promise<void>;
}

async function start(options: Partial<GatewayOptions> = {}): Promise<Harness> {
  const upstream = await startHttpUpstream();
  const recorder = eventRecorder<GatewayEvent>();
  const gateway = await createGateway({
    upstream: { url: upstream.url },
    listen: 'http://127.0.0.1:0/mcp',
    onEvent: recorder.onEvent,
    ...options,
  });
  const client = new Client({ name: 'gateway-http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(gateway.url!));
  return {
    upstream,
    gateway,
    client,
    events: recorder.events,
    next: recorder.next,
    async stop() {
      await client.close();
      await gateway.close({ drainTimeoutMs: 0 });
      await upstream.kill();
    },
  };
}

/** A raw request to the gateway, so tests can set Host and Origin and read the status. */
function raw(
  url: URL,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, contentType: res.headers['content-type'] }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const INITIALIZE = JSON.stringify(
  initializeRequest({ name: 'raw', version: '1' }, { protocolVersion: '2025-06-18' }),
);
const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('gateway on Streamable HTTP in front of an HTTP upstream', () => {
  let h: Harness;
  const seen: ToolInfo[] = [];
  const recorder: Middleware = async function recorder(ctx, next) {
    seen.push(ctx.tool);
    return next();
  };

  beforeAll(async () => {
    h = await start({ pipeline: [recorder] });
  });
  afterAll(() => h.stop());

  it('forwards a call from an HTTP client to the HTTP upstream through the pipeline', async () => {
    seen.length = 0;
    const result = await h.client.callTool({ name: 'echo', arguments: { text: 'over http' } });
    expect(text(result)).toBe('over http');
    expect(seen.map((tool) => tool.name)).toEqual(['echo']);
  });

  it('forwards upstream progress to the HTTP client', async () => {
    const progress: number[] = [];
    await h.client.callTool({ name: 'progress', arguments: { steps: 2 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(progress).toEqual([1, 2]);
  });

  it('cancels the upstream call when the HTTP client cancels', async () => {
    const before = h.upstream.state.cancelled;
    await expect(abortBlocked(h.client, new Error('client gave up'))).rejects.toThrow('client gave up');
    // The stats call is queued behind the cancellation on the same upstream session.
    expect(await cancelledCount(h.client)).toBe(before + 1);
  });

  it('forwards a tool list change to the HTTP client', async () => {
    const changed = new Promise<void>((resolve) => {
      h.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve());
    });
    await h.client.callTool({ name: 'add_tool', arguments: { name: 'late_http' } });
    await changed;
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toContain('late_http');
  });

  it('answers /healthz and /readyz with 200 while the upstream is connected', async () => {
    expect((await raw(h.gateway.url!, '/healthz')).status).toBe(200);
    expect((await raw(h.gateway.url!, '/readyz')).status).toBe(200);
  });

  it('serves the gateway registry on /metrics in the Prometheus text format', async () => {
    const metrics = await raw(h.gateway.url!, '/metrics');
    expect(metrics.contentType).toContain('text/plain');
    expect(metrics.body).toMatch(/^mcp_gateway_upstream_up 1$/m);
    expect(metrics.body).toMatch(/^mcp_gateway_sessions 1$/m);
  });

  it.each([
    ['refuses an MCP request whose Host header is not a loopback name', { host: 'attacker.example' }],
    ['refuses an MCP request from a foreign Origin', { origin: 'http://attacker.example' }],
  ])('%s', async (_case, header) => {
    const response = await raw(h.gateway.url!, '/mcp', {
      method: 'POST',
      headers: { ...POST_HEADERS, ...header },
      body: INITIALIZE,
    });
    expect(response.status).toBe(403);
  });

  it('answers 404 for an unknown session id', async () => {
    const response = await raw(h.gateway.url!, '/mcp', {
      method: 'POST',
      headers: { ...POST_HEADERS, 'mcp-session-id': 'no-such-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
  });
});

describe('gateway lifecycle on HTTP', () => {
  it('answers UPSTREAM_ERROR when the HTTP upstream dies mid-call, and turns /readyz to 503', async () => {
    const h = await start({ restart: { delayMs: 60_000, maxAttempts: 1 } });
    const lost = h.next('upstream-lost');
    const result = await h.client.callTool({ name: 'crash', arguments: {} });
    expect(errorCode(result)).toBe('UPSTREAM_ERROR');
    await lost;
    expect((await raw(h.gateway.url!, '/readyz')).status).toBe(503);
    await h.stop();
  });

  it('lets a call in flight finish on close, while refusing new requests', async () => {
    const h = await start();
    const { result, pid } = startBlock(h.client);
    await pid;
    const closing = h.gateway.close();
    await expect(h.client.callTool({ name: 'echo', arguments: { text: 'late' } })).rejects.toThrow();
    h.upstream.state.release();
    expect(text(await result)).toBe('released');
    await closing;
    await expect(h.gateway.closed).resolves.toEqual({ reason: 'closed' });
    await h.upstream.kill();
  });

  it('cancels calls still in flight upstream when the drain deadline passes', async () => {
    const h = await start();
    const controller = new AbortController();
    const { result, pid } = startBlock(h.client, controller.signal);
    const settled = result.catch(() => undefined);
    await pid;
    await h.gateway.close({ drainTimeoutMs: 10 });
    expect(h.events.map((e) => e.type)).toContain('drain-timeout');
    expect(h.upstream.state.cancelled).toBe(1);
    controller.abort();
    await settled;
    await h.upstream.kill();
  });
});
