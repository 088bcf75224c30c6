// tracing() over Streamable HTTP on 127.0.0.1, under an HTTP server span as HTTP instrumentation would start it.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withMiddleware } from '@mcp-middleware/core';
import { tracing } from '@mcp-middleware/tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN_ID = '00f067aa0ba902b7';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// The span id of every HTTP request span, by request, as HTTP instrumentation would have started them.
const httpSpanIds = new Set<string>();
const transports = new Map<string, StreamableHTTPServerTransport>();
const servers: McpServer[] = [];
let http: Server;
let client: Client;
let clientTransport: StreamableHTTPClientTransport;

function makeServer(): McpServer {
  const server = withMiddleware(new McpServer({ name: 'tracing-http', version: '1.0.0' }), [tracing()]);
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerResource('readme', 'docs://readme', {}, (uri) => ({
    contents: [{ uri: uri.href, text: 'read me' }],
  }));
  return server;
}

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  const httpTracer = trace.getTracer('http-instrumentation');
  http = createServer((req, res) => {
    const span = httpTracer.startSpan(`${req.method ?? 'GET'} /mcp`, { kind: SpanKind.SERVER });
    httpSpanIds.add(span.spanContext().spanId);
    res.on('close', () => span.end());
    context
      .with(trace.setSpan(ROOT_CONTEXT, span), async () => {
        const sessionId = req.headers['mcp-session-id'];
        let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
        if (transport === undefined) {
          const created = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id) => void transports.set(id, created),
          });
          const server = makeServer();
          servers.push(server);
          await server.connect(created);
          transport = created;
        }
        await transport.handleRequest(req, res);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  client = new Client({ name: 'tracing-http-client', version: '1.0.0' });
  clientTransport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
  await client.connect(clientTransport);
});

afterAll(async () => {
  await client.close();
  await Promise.all(servers.map((server) => server.close()));
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

beforeEach(() => exporter.reset());

async function toolSpanOf(meta?: Record<string, unknown>): Promise<ReadableSpan> {
  await client.callTool({
    name: 'echo',
    arguments: { text: 'hi' },
    ...(meta !== undefined && { _meta: meta }),
  });
  const spans = exporter.getFinishedSpans().filter((s) => s.name === 'tools/call echo');
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('tracing() over Streamable HTTP', () => {
  it('parents the tool span on the HTTP server span when _meta carries no trace context', async () => {
    const span = await toolSpanOf();
    expect(httpSpanIds.has(span.parentSpanContext?.spanId ?? '')).toBe(true);
    expect(span.links).toEqual([]);
  });

  it('parents on the traceparent in _meta and links the HTTP server span', async () => {
    const span = await toolSpanOf({ traceparent: `00-${TRACE_ID}-${REMOTE_SPAN_ID}-01` });
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(REMOTE_SPAN_ID);
    expect(span.links).toHaveLength(1);
    expect(httpSpanIds.has(span.links[0]!.context.spanId)).toBe(true);
  });

  it('records tcp, http and the session id as transport attributes', async () => {
    const span = await toolSpanOf();
    expect(span.attributes).toMatchObject({
      'network.transport': 'tcp',
      'network.protocol.name': 'http',
      'mcp.session.id': clientTransport.sessionId,
    });
    expect(clientTransport.sessionId).toEqual(expect.any(String));
  });

  it('traces a resources/read over HTTP with the session id, tcp and the HTTP span as parent', async () => {
    await client.readResource({ uri: 'docs://readme' });
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'resources/read');
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toMatchObject({
      'mcp.method.name': 'resources/read',
      'mcp.resource.uri': 'docs://readme',
      'network.transport': 'tcp',
      'network.protocol.name': 'http',
      'mcp.session.id': clientTransport.sessionId,
    });
    expect(httpSpanIds.has(spans[0]!.parentSpanContext?.spanId ?? '')).toBe(true);
  });
});
