/** HTTP listen mode: Streamable HTTP sessions on one path, plus /healthz, /readyz and /metrics. */
import { createServer, type Server as HttpServer } from 'node:http';
import { GatewayError } from './errors.js';
import type { Recheck } from './admitted-streams.js';
import type { FrontDoor } from './front-door.js';
import type { HttpTimeouts } from './http-timeouts.js';
import { rpcError } from './http-request.js';
import { HttpRoutes, type HttpHost, type HttpRouteOptions } from './http-routes.js';

export type { HttpHost } from './http-routes.js';

/** A listening HTTP server. */
export interface HttpListener {
  /** The address actually bound (port 0 resolved). */
  readonly url: URL;
  /** Stops taking new connections and new sessions; open sessions keep working. */
  stopAccepting(): void;
  /**
   * Puts `door` in service (a config reload): every request that arrives from now on passes it, and when its
   * credentials changed, every stream and session still open is checked against it (those refused close).
   */
  setFrontDoor(door: FrontDoor | undefined): Promise<Recheck>;
  /** The node:http server (its timeouts are {@link HttpListenOptions.timeouts}). */
  readonly server: HttpServer;
  /** Drops every connection and waits for the server to close. */
  close(): Promise<void>;
}

/** Options of {@link listenHttp}. */
export interface HttpListenOptions extends HttpRouteOptions {
  /**
   * Checks credentials before MCP dispatch (401 with a Bearer challenge) and serves the protected-resource
   * metadata; undefined leaves credentials to the pipeline.
   */
  readonly frontDoor?: ((bound: URL) => FrontDoor | undefined) | undefined;
  /** How long connections are kept and requests awaited. */
  readonly timeouts: HttpTimeouts;
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1', '[::1]'];

/** The hosts to accept by default: loopback names when bound to loopback (DNS-rebinding defence), else any. */
export function defaultAllowedHosts(url: URL): readonly string[] | undefined {
  return LOOPBACK.includes(url.hostname) ? LOOPBACK : undefined;
}

/** Binds `server` to `url`'s host and port; resolves to `url` with the port actually bound. */
async function bind(server: HttpServer, url: URL): Promise<URL> {
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
  return bound;
}

/** The handle on a bound server: stop accepting first (open sessions keep working), close later. */
function listenerOf(server: HttpServer, bound: URL): Omit<HttpListener, 'setFrontDoor'> {
  let closing: Promise<void> | undefined;
  const stopAccepting = (): void => {
    closing ??= new Promise((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
  };
  return {
    url: bound,
    server,
    stopAccepting,
    async close() {
      stopAccepting();
      server.closeAllConnections();
      await closing;
    },
  };
}

/** Starts the HTTP server on `url` (its path is the MCP endpoint). */
export async function listenHttp(
  url: URL,
  host: HttpHost,
  options: HttpListenOptions,
): Promise<HttpListener> {
  const routes = new HttpRoutes(url.pathname, host, options);
  const { keepAliveTimeoutMs, headersTimeoutMs, receiveTimeoutMs } = options.timeouts;
  const limits = { headersTimeout: headersTimeoutMs, requestTimeout: receiveTimeoutMs };
  const server = createServer(limits, (req, res) => {
    routes.handle(req, res).catch(() => {
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal error');
      else res.end();
    });
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  const bound = await bind(server, url);
  try {
    routes.frontDoor = options.frontDoor?.(bound);
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  return { ...listenerOf(server, bound), setFrontDoor: (door) => routes.replaceDoor(door) };
}
