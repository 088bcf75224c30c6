import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpRoutes, type HttpHost, type HttpRouteOptions } from './http-routes.js';
import { newSession } from './session.js';

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};

let server: HttpServer | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

function hostOf(overrides: Partial<HttpHost> = {}): HttpHost {
  return {
    openSession: () => newSession(new Server({ name: 'mirror', version: '1' }, { capabilities: {} })),
    ready: () => true,
    draining: () => false,
    registry: new Registry(),
    ...overrides,
  };
}

/** Serves `routes` on a free loopback port; resolves to the MCP endpoint's URL. */
async function serve(host: HttpHost, options: Partial<HttpRouteOptions> = {}): Promise<URL> {
  const routes = new HttpRoutes('/mcp', host, { allowedHosts: undefined, maxBodyBytes: 1024, ...options });
  server = createServer((req, res) => void routes.handle(req, res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
}

const post = (url: URL, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(body) });

async function rpcErrorOf(response: Response): Promise<{ status: number; code: unknown }> {
  const body = (await response.json()) as { error: { code: unknown } };
  return { status: response.status, code: body.error.code };
}

describe('HttpRoutes probes', () => {
  it('answers /readyz 503 with the reason while not ready', async () => {
    const url = await serve(hostOf({ ready: () => false, draining: () => true }));
    const response = await fetch(new URL('/readyz', url));
    expect([response.status, await response.text()]).toEqual([503, 'shutting down\n']);
  });

  it('refuses a method other than GET or HEAD on a probe, and answers 404 off the known paths', async () => {
    const url = await serve(hostOf());
    expect((await fetch(new URL('/healthz', url), { method: 'POST' })).status).toBe(405);
    expect((await fetch(new URL('/nowhere', url))).status).toBe(404);
  });
});

describe('HttpRoutes MCP endpoint', () => {
  it('refuses a Host that is not allowed before reading the body', async () => {
    const url = await serve(hostOf(), { allowedHosts: ['localhost'] });
    expect(await rpcErrorOf(await post(url, INITIALIZE))).toEqual({ status: 403, code: -32000 });
  });

  it('refuses a body over maxBodyBytes and one that is not JSON', async () => {
    const url = await serve(hostOf(), { maxBodyBytes: 16 });
    expect(await rpcErrorOf(await post(url, INITIALIZE))).toEqual({ status: 413, code: -32600 });
    const notJson = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: '{' });
    expect(await rpcErrorOf(notJson)).toEqual({ status: 400, code: -32700 });
  });

  it('refuses a request while draining, with retry-after', async () => {
    const url = await serve(hostOf({ draining: () => true }));
    const response = await post(url, INITIALIZE);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await rpcErrorOf(response)).toEqual({ status: 503, code: -32000 });
  });

  it('answers 503 to initialize when no session can be opened', async () => {
    const url = await serve(hostOf({ openSession: () => undefined }));
    expect(await rpcErrorOf(await post(url, INITIALIZE))).toEqual({ status: 503, code: -32000 });
  });

  it('asks for initialize when a request has no session id', async () => {
    const url = await serve(hostOf());
    const ping = { jsonrpc: '2.0', id: 2, method: 'ping' };
    expect(await rpcErrorOf(await post(url, ping))).toEqual({ status: 400, code: -32000 });
  });

  it('serves a session by its id from initialize until it is deleted', async () => {
    const url = await serve(hostOf());
    const initialized = await post(url, INITIALIZE);
    const id = initialized.headers.get('mcp-session-id')!;
    expect(initialized.status).toBe(200);
    const session = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
    const ping = await post(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, session);
    expect(ping.status).toBe(200);
    await fetch(url, { method: 'DELETE', headers: session });
    const after = await post(url, { jsonrpc: '2.0', id: 3, method: 'ping' }, session);
    expect(await rpcErrorOf(after)).toEqual({ status: 404, code: -32001 });
  });
});
