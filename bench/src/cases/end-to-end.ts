/**
 * End-to-end cases: what the full pipeline adds to a real tools/call through the SDK, in memory and over
 * Streamable HTTP on loopback, one call at a time and with 1000 calls in flight. Each wrapped case is
 * timed beside its bare twin in every round.
 */
import { createServer, request, Agent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { withMiddleware, type AuthInfo } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import type { BenchCase, BenchOp } from '../harness.js';
import { benchAuthInfo, fullPipeline, type Built } from '../pipelines.js';

/** An McpServer with one read-only search tool; wrapped in the full pipeline unless `bare`. */
function searchServer(
  bare: boolean,
  build: () => Built = fullPipeline,
): { server: McpServer; teardown(): Promise<void> } {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  const built = bare ? undefined : build();
  if (built !== undefined) withMiddleware(server, built.pipeline, { debug: false });
  server.registerTool(
    'search',
    {
      inputSchema: { query: z.string(), limit: z.number().int() },
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    ({ query, limit }) => ({ content: [{ type: 'text', text: `${query} ${limit}` }] }),
  );
  return { server, teardown: () => built?.teardown() ?? Promise.resolve() };
}

// A new `limit` per call, so the cache misses and every layer runs, as in `full-pipeline`.
function callParams(): () => { name: string; arguments: { query: string; limit: number } } {
  let i = 0;
  return () => ({ name: 'search', arguments: { query: 'mcp middleware', limit: i++ } });
}

// A misconfigured pipeline answers isError fast and would look cheap: check the path before timing it.
async function expectSuccess(pending: Promise<unknown>): Promise<void> {
  const result = await pending;
  if ((result as { isError?: unknown }).isError === true)
    throw new Error(`bench tool call failed: ${JSON.stringify(result)}`);
}

function inMemory(name: string, bare: boolean): BenchCase {
  return {
    name,
    group: 'round-trip',
    description: bare
      ? 'SDK Client.callTool over InMemoryTransport (authInfo injected), no middleware'
      : 'the same round trip with withMiddleware(server, full pipeline)',
    quick: true,
    batch: 300,
    isolated: true,
    ...(bare ? {} : { baseline: 'e2e-inmemory-bare' }),
    async setup(): Promise<BenchOp> {
      const { server, teardown } = searchServer(bare);
      const { client, close } = await connectInMemory(server, { authInfo: benchAuthInfo });
      const params = callParams();
      await expectSuccess(client.callTool(params()));
      return {
        run: () => client.callTool(params()),
        async teardown() {
          await close();
          await teardown();
        },
      };
    },
  };
}

function throughput(name: string, bare: boolean, inFlight = 1000, baseline = 'throughput-bare'): BenchCase {
  return {
    name,
    group: 'throughput',
    description: `${inFlight} SDK callTool calls in flight at once over InMemoryTransport, ${bare ? 'no middleware' : 'full pipeline'}; time per call`,
    quick: inFlight === 1000,
    batch: Math.max(1, Math.round(3000 / inFlight)),
    callsPerRun: inFlight,
    isolated: inFlight === 1000,
    ...(bare ? {} : { baseline }),
    async setup(): Promise<BenchOp> {
      const { server, teardown } = searchServer(bare);
      const { client, close } = await connectInMemory(server, { authInfo: benchAuthInfo });
      const params = callParams();
      await expectSuccess(client.callTool(params()));
      const calls = new Array<Promise<unknown>>(inFlight);
      return {
        run() {
          for (let i = 0; i < inFlight; i++) calls[i] = client.callTool(params());
          return Promise.all(calls);
        },
        async teardown() {
          await close();
          await teardown();
        },
      };
    },
  };
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** One POST of a JSON-RPC message on a keep-alive connection; resolves with the body and the session header. */
function post(
  agent: Agent,
  port: number,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; session: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        headers: { ...JSON_HEADERS, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const session = res.headers['mcp-session-id'];
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            session: typeof session === 'string' ? session : undefined,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    req.on('error', reject);
  });
}

/** Exported for profiling: `build` replaces the full pipeline. */
export function http(name: string, bare: boolean, build?: () => Built): BenchCase {
  return {
    name,
    group: 'round-trip',
    description: bare
      ? 'tools/call over Streamable HTTP on 127.0.0.1 (stateful, JSON responses, authInfo set as a bearer layer would), raw JSON-RPC POSTs on a keep-alive node:http client, no middleware'
      : 'the same HTTP round trip with withMiddleware(server, full pipeline)',
    quick: true,
    batch: 100,
    isolated: true,
    ...(bare ? {} : { baseline: 'e2e-http-bare' }),
    async setup(): Promise<BenchOp> {
      const { server, teardown } = searchServer(bare, build);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => 'bench-session',
        enableJsonResponse: true,
      });
      await server.connect(transport);
      const httpServer: Server = createServer((req, res) => {
        readBody(req)
          .then(
            (body) => {
              (req as IncomingMessage & { auth?: AuthInfo }).auth = benchAuthInfo;
              return transport.handleRequest(req, res, body);
            },
            () => {
              res.writeHead(400).end();
            },
          )
          .catch(() => {
            if (!res.headersSent) res.writeHead(500);
            res.end();
          });
      });
      httpServer.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
      const port = (httpServer.address() as AddressInfo).port;
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });

      const init = await post(
        agent,
        port,
        JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'bench', version: '1.0.0' },
          },
        }),
        {},
      );
      if (init.status !== 200 || init.session === undefined)
        throw new Error(`initialize failed: ${init.status} ${init.body}`);
      const session = { 'mcp-session-id': init.session, 'mcp-protocol-version': '2025-06-18' };
      await post(
        agent,
        port,
        JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        session,
      );

      const params = callParams();
      let id = 1;
      const call = async (): Promise<void> => {
        const reply = await post(
          agent,
          port,
          JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params: params() }),
          session,
        );
        if (reply.status !== 200 || reply.body.includes('"isError":true')) {
          throw new Error(`tools/call failed: ${reply.status} ${reply.body}`);
        }
      };
      await call();
      return {
        run: call,
        async teardown() {
          agent.destroy();
          await new Promise<void>((resolve) => httpServer.close(() => resolve()));
          await server.close();
          await teardown();
        },
      };
    },
  };
}

export const cases: BenchCase[] = [
  inMemory('e2e-inmemory-bare', true),
  inMemory('e2e-inmemory-full-pipeline', false),
  http('e2e-http-bare', true),
  http('e2e-http-full-pipeline', false),
  throughput('throughput-bare', true),
  throughput('throughput-full-pipeline', false),
  // Scaling in calls in flight (beside the other cases; the 1000 pair above runs isolated).
  throughput('inflight-10000-bare', true, 10_000),
  throughput('inflight-10000-full-pipeline', false, 10_000, 'inflight-10000-bare'),
];
