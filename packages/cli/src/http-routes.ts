/**
 * What the HTTP listener serves: the MCP endpoint (Host/Origin check, the front door, a bounded JSON body,
 * then the 2026-07-28 door or a 2025-11-25 session) and the /healthz, /readyz and /metrics probes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Registry } from 'prom-client';
import { AdmittedStreams, NOTHING_RECHECKED, type Recheck } from './admitted-streams.js';
import type { FrontDoor } from './front-door.js';
import { HttpLane } from './http-lane.js';
import { hasRequest, hostRefusal, readBody, rpcError, send } from './http-request.js';
import type { ModernFront } from './modern-front.js';
import { connectSession, type Session } from './session.js';

/** What the listener asks of the gateway. */
export interface HttpHost {
  /** A new downstream session, or undefined when the upstream is unavailable. */
  openSession(): Session | undefined;
  /** Upstream connected and not shutting down. */
  ready(): boolean;
  draining(): boolean;
  readonly registry: Registry;
}

/** How the routes check and dispatch MCP requests. */
export interface HttpRouteOptions {
  /** Hostnames accepted in `Host` and `Origin`; undefined accepts any. */
  readonly allowedHosts: readonly string[] | undefined;
  readonly maxBodyBytes: number;
  /** Serves 2026-07-28 requests (stateless, no session); without it only 2025-11-25 sessions are served. */
  readonly modern?: ModernFront | undefined;
}

// A body reader's result when it has already answered the request (too large, not JSON, draining).
const ANSWERED = Symbol('answered');

/** The listener's routes and what they keep between requests: the open sessions' transports, the front door. */
export class HttpRoutes {
  readonly #mcpPath: string;
  readonly #host: HttpHost;
  readonly #options: HttpRouteOptions;
  readonly #transports = new Map<string, { transport: StreamableHTTPServerTransport; lane: HttpLane }>();
  readonly #admitted = new AdmittedStreams();
  /** Set once the port is bound: the listen URL is the default resource tokens are issued for. */
  frontDoor: FrontDoor | undefined;

  constructor(mcpPath: string, host: HttpHost, options: HttpRouteOptions) {
    this.#mcpPath = mcpPath;
    this.#host = host;
    this.#options = options;
  }

  /**
   * Puts `door` in service (a reload). With credentials other than the old door's, what the old door admitted
   * and is still open is checked again: the streams and 2025 sessions `door` refuses are closed.
   */
  replaceDoor(door: FrontDoor | undefined): Promise<Recheck> {
    const before = this.frontDoor;
    this.frontDoor = door;
    if (door === undefined || door.credentials === before?.credentials)
      return Promise.resolve(NOTHING_RECHECKED);
    return this.#admitted.recheck(door, () => this.frontDoor === door);
  }

  /** Serves one request; a rejection is the caller's to answer (500). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (path === this.#mcpPath) return this.#mcp(req, res);
    if (this.frontDoor?.serveMetadata(req, res) === true) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain', 'method not allowed\n');
    }
    return this.#probe(path, res);
  }

  async #probe(path: string, res: ServerResponse): Promise<void> {
    const host = this.#host;
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

  async #mcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = hostRefusal(req.headers, this.#options.allowedHosts);
    if (refusal !== undefined) return rpcError(res, 403, -32000, refusal);
    // Before the body is read: an unauthenticated caller costs no parsing, and initialize is refused too. A
    // reload while the check runs puts the request before the new door as well (its re-check missed it).
    let door: FrontDoor | undefined;
    while (door !== this.frontDoor) {
      door = this.frontDoor;
      if (door !== undefined && !(await door.admit(req, res))) return;
    }
    this.#admitted.track(res);
    let body: unknown;
    if (req.method === 'POST') {
      body = await this.#readPost(req, res);
      if (body === ANSWERED) return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') return this.#inSession(sessionId, req, res, body);
    // A request with the 2026-07-28 envelope has no session: the modern door owns it, its errors included.
    const modern = this.#options.modern;
    if (modern !== undefined && (await modern.claims(req, body))) return modern.serve(req, res, body);
    return this.#initialize(req, res, body);
  }

  /** The parsed body of a POST, or ANSWERED when it was refused. */
  async #readPost(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const raw = await readBody(req, this.#options.maxBodyBytes);
    if (raw === 'too-large') {
      rpcError(res, 413, -32600, 'Request body too large');
      return ANSWERED;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      rpcError(res, 400, -32700, 'Parse error: the body is not JSON');
      return ANSWERED;
    }
    if (this.#host.draining() && hasRequest(body)) {
      res.setHeader('retry-after', '1');
      rpcError(res, 503, -32000, 'The gateway is shutting down; retry on another instance');
      return ANSWERED;
    }
    return body;
  }

  #inSession(id: string, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> | void {
    const open = this.#transports.get(id);
    if (open === undefined) return rpcError(res, 404, -32001, 'Session not found');
    if (req.method === 'POST' && open.lane.take(req, res, body)) return;
    return open.transport.handleRequest(req, res, body);
  }

  async #initialize(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return rpcError(res, 400, -32000, 'Bad Request: no valid session id; start with an initialize request');
    }
    const session = this.#host.openSession();
    if (session === undefined) {
      res.setHeader('retry-after', '1');
      return rpcError(res, 503, -32000, 'The upstream MCP server is unavailable; retry shortly');
    }
    const transport = this.#newTransport(req);
    await connectSession(session, transport);
    return transport.handleRequest(req, res, body);
  }

  /** A session's transport, known by its id from initialization until it closes. */
  #newTransport(initialize: IncomingMessage): StreamableHTTPServerTransport {
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        this.#transports.set(id, { transport, lane: new HttpLane(transport) });
        this.#admitted.openSession(transport, initialize.headers);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) {
        this.#transports.get(transport.sessionId)?.lane.close();
        this.#transports.delete(transport.sessionId);
      }
      this.#admitted.closedSession(transport);
    };
    return transport;
  }
}
