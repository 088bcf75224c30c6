/**
 * Streamable HTTP hosting for the proof suites: one McpServer per session on 127.0.0.1, Host and Origin
 * checked against loopback names (the DNS-rebinding defence the conformance suite probes), and an optional
 * gate that may answer a request itself (a bearer gate).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@mcp-middleware/core';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A request a gate may annotate with `auth` for the transport. */
export type HostedRequest = IncomingMessage & { auth?: AuthInfo };

/** Options of {@link hostMcp}. */
export interface HostOptions {
  /** Answers the request itself (a 401, a 403) and returns true, or lets it through. */
  readonly gate?: (req: HostedRequest, res: ServerResponse) => Promise<boolean> | boolean;
}

/** A listening host. */
export interface McpHost {
  readonly url: URL;
  /** Sessions opened so far. */
  readonly sessions: () => number;
  close(): Promise<void>;
}

function hostnameOf(value: string | undefined, withScheme: boolean): string | undefined {
  if (value === undefined) return undefined;
  try {
    return new URL(withScheme ? value : `http://${value}`).hostname;
  } catch {
    return undefined;
  }
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/** Serves `makeServer()` per session at `http://127.0.0.1:<free port>/mcp`. */
export async function hostMcp(makeServer: () => McpServer, options: HostOptions = {}): Promise<McpHost> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const servers = new Set<McpServer>();
  let opened = 0;

  async function handle(req: HostedRequest, res: ServerResponse): Promise<void> {
    if (!LOOPBACK.has(hostnameOf(req.headers.host, false) ?? '')) {
      return refuse(res, 403, 'Forbidden: Host header not allowed');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !LOOPBACK.has(hostnameOf(origin, true) ?? '')) {
      return refuse(res, 403, 'Forbidden: Origin not allowed');
    }
    if ((req.url ?? '').split('?', 1)[0] !== '/mcp') return refuse(res, 404, 'Not found');
    if (options.gate !== undefined && (await options.gate(req, res))) return;
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = transports.get(sessionId);
      if (transport === undefined) return refuse(res, 404, 'Session not found');
      return transport.handleRequest(req, res);
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void transports.set(id, transport),
    });
    const server = makeServer();
    servers.add(server);
    opened++;
    transport.onclose = () => {
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
      servers.delete(server);
    };
    await server.connect(transport);
    return transport.handleRequest(req, res);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error');
      else res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    sessions: () => opened,
    async close() {
      await Promise.all([...servers].map((s) => s.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
