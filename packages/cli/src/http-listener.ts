/** HTTP listen mode: Streamable HTTP sessions on one path, plus /healthz, /readyz and /metrics. */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from 'prom-client';
import { GatewayError } from './errors.js';
import type { FrontDoor } from './front-door.js';
import type { ModernFront } from './modern-front.js';
import type { Session } from './session.js';

/** What the listener asks of the gateway. */
export interface HttpHost {
  /** A new downstream session, or undefined when the upstream is unavailable. */
  openSession(): Session | undefined;
  /** Upstream connected and not shutting down. */
  ready(): boolean;
  draining(): boolean;
  readonly registry: Registry;
}

/** A listening HTTP server. */
export interface HttpListener {
  /** The address actually bound (port 0 resolved). */
  readonly url: URL;
  /** Stops taking new connections and new sessions; open sessions keep working. */
  stopAccepting(): void;
  /** Drops every connection and waits for the server to close. */
  close(): Promise<void>;
}

/** Options of {@link listenHttp}. */
export interface HttpListenOptions {
  /** Hostnames accepted in `Host` and `Origin`; undefined accepts any. */
  readonly allowedHosts: readonly string[] | undefined;
  readonly maxBodyBytes: number;
  /**
   * Checks credentials before MCP dispatch (401 with a Bearer challenge) and serves the protected-resource
   * metadata; undefined leaves credentials to the pipeline.
   */
  readonly frontDoor?: ((bound: URL) => FrontDoor | undefined) | undefined;
  /** Serves 2026-07-28 requests (stateless, no session); without it only 2025-11-25 sessions are served. */
  readonly modern?: ModernFront | undefined;
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1', '[::1]'];

/** The hosts to accept by default: loopback names when bound to loopback (DNS-rebinding defence), else any. */
export function defaultAllowedHosts(url: URL): readonly string[] | undefined {
  return LOOPBACK.includes(url.hostname) ? LOOPBACK : undefined;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType }).end(body);
}

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  send(
    res,
    status,
    'application/json',
    JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }),
  );
}

function hostnameOf(value: string, withScheme: boolean): string | undefined {
  try {
    return new URL(withScheme ? value : `http://${value}`).hostname;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function hasRequest(body: unknown): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some((m) => typeof m === 'object' && m !== null && 'method' in m && 'id' in m);
}

/** Starts the HTTP server on `url` (its path is the MCP endpoint). */
export async function listenHttp(
  url: URL,
  host: HttpHost,
  options: HttpListenOptions,
): Promise<HttpListener> {
  const mcpPath = url.pathname;
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const allowed = options.allowedHosts;
  // Built once the port is bound: the listen URL is the default resource tokens are issued for.
  let frontDoor: FrontDoor | undefined;

  async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (allowed !== undefined) {
      const hostname = hostnameOf(req.headers.host ?? '', false);
      if (hostname === undefined || !allowed.includes(hostname)) {
        return rpcError(res, 403, -32000, 'Forbidden: Host header not allowed');
      }
      const origin = req.headers.origin;
      const originHost = origin === undefined ? undefined : hostnameOf(origin, true);
      if (origin !== undefined && (originHost === undefined || !allowed.includes(originHost))) {
        return rpcError(res, 403, -32000, 'Forbidden: Origin not allowed');
      }
    }
    // Before the body is read: an unauthenticated caller costs no parsing, and initialize is refused too.
    if (frontDoor !== undefined && !(await frontDoor.admit(req, res))) return;
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, options.maxBodyBytes);
      if (raw === 'too-large') return rpcError(res, 413, -32600, 'Request body too large');
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return rpcError(res, 400, -32700, 'Parse error: the body is not JSON');
      }
      if (host.draining() && hasRequest(body)) {
        res.setHeader('retry-after', '1');
        return rpcError(res, 503, -32000, 'The gateway is shutting down; retry on another instance');
      }
    }
    const sessionId = req.headers['mcp-session-id'];
    // A request with the 2026-07-28 envelope has no session: the modern door owns it, its errors included.
    const modern = options.modern;
    if (typeof sessionId !== 'string' && modern !== undefined && (await modern.claims(req, body))) {
      return modern.serve(req, res, body);
    }
    if (typeof sessionId === 'string') {
      const transport = transports.get(sessionId);
      if (transport === undefined) return rpcError(res, 404, -32001, 'Session not found');
      return transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return rpcError(res, 400, -32000, 'Bad Request: no valid session id; start with an initialize request');
    }
    const session = host.openSession();
    if (session === undefined) {
      res.setHeader('retry-after', '1');
      return rpcError(res, 503, -32000, 'The upstream MCP server is unavailable; retry shortly');
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
    };
    await session.server.connect(transport);
    return transport.handleRequest(req, res, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (path === mcpPath) return handleMcp(req, res);
    if (frontDoor?.serveMetadata(req, res) === true) return;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case '/readyz':
        return host.ready()
          ? send(res, 200, 'text/plain', 'ready\n')
          : send(res, 503, 'text/plain', host.draining() ? 'shutting down\n' : 'upstream not connected\n');
      case '/metrics':
        return send(res, 200, host.registry.contentType, await host.registry.metrics());
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  }

  const server: HttpServer = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the address is already in use' : error.message;
      reject(new GatewayError('LISTEN', `cannot listen on ${url.href}: ${why}`, { cause: error }));
    });
    server.listen(Number(url.port === '' ? 80 : url.port), hostname, resolve);
  });
  const address = server.address();
  const bound = new URL(url.href);
  if (typeof address === 'object' && address !== null) bound.port = String(address.port);
  try {
    frontDoor = options.frontDoor?.(bound);
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }

  let closing: Promise<void> | undefined;
  const stopAccepting = (): void => {
    closing ??= new Promise((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
  };
  return {
    url: bound,
    stopAccepting,
    async close() {
      stopAccepting();
      server.closeAllConnections();
      await closing;
    },
  };
}
