// tracing() on requests other than tools/call, through the real OpenTelemetry SDK and a real McpServer and Client.
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MiddlewareError,
  defineMiddleware,
  spanKey,
  withMiddleware,
  type Middleware,
} from '@mcp-middleware/core';
import { asNotFound } from '@mcp-middleware/core/helpers';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { tracing } from './index.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const REMOTE_SPAN_ID = 'b7ad6b7169203331';

let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;
let connection: InMemoryConnection | undefined;

beforeEach(() => {
  exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterEach(async () => {
  await connection?.close();
  connection = undefined;
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

async function serve(pipeline: readonly Middleware[]): Promise<InMemoryConnection> {
  const server = withMiddleware(new McpServer({ name: 'tracing-requests', version: '1.0.0' }), pipeline);
  server.registerResource('readme', 'docs://readme', {}, (uri) => ({
    contents: [{ uri: uri.href, text: 'read me' }],
  }));
  server.registerResource('broken', 'docs://broken', {}, () => {
    throw new TypeError('disk failed: password=hunter2');
  });
  server.registerPrompt('greet', {}, () => ({ messages: [] }));
  connection = await connectInMemory(server);
  return connection;
}

function onlySpan(): ReadableSpan {
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('tracing() on other requests', () => {
  it('gives resources/read a SERVER span named by the method, with the URI as mcp.resource.uri', async () => {
    const conn = await serve([tracing()]);
    await conn.client.readResource({ uri: 'docs://readme' });
    const span = onlySpan();
    expect(span.name).toBe('resources/read');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toEqual({
      'mcp.method.name': 'resources/read',
      'mcp.resource.uri': 'docs://readme',
      'jsonrpc.request.id': expect.any(String) as string,
      'network.transport': 'pipe',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('gives prompts/get a span named `prompts/get {prompt}` with gen_ai.prompt.name', async () => {
    const conn = await serve([tracing()]);
    await conn.client.getPrompt({ name: 'greet' });
    const span = onlySpan();
    expect(span.name).toBe('prompts/get greet');
    expect(span.attributes['gen_ai.prompt.name']).toBe('greet');
    expect(span.attributes['gen_ai.tool.name']).toBeUndefined();
  });

  it('gives a list a span named by its method, with no target attribute', async () => {
    const conn = await serve([tracing()]);
    await conn.client.listResources();
    const span = onlySpan();
    expect(span.name).toBe('resources/list');
    expect(Object.keys(span.attributes).sort()).toEqual([
      'jsonrpc.request.id',
      'mcp.method.name',
      'network.transport',
    ]);
  });

  it('parents the span on the traceparent in params._meta', async () => {
    const conn = await serve([tracing()]);
    await conn.client.readResource({
      uri: 'docs://readme',
      _meta: { traceparent: `00-${TRACE_ID}-${REMOTE_SPAN_ID}-01` },
    });
    const span = onlySpan();
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(REMOTE_SPAN_ID);
  });

  it('records a refusal by its code, the JSON-RPC code the client got, and status ERROR without an exception event', async () => {
    const refuse = defineMiddleware('refuse', {
      requests: {
        'resources/read': () => Promise.reject(new MiddlewareError('FORBIDDEN', 'not for you')),
      },
    });
    const conn = await serve([tracing(), refuse]);
    await expect(conn.client.readResource({ uri: 'docs://readme' })).rejects.toMatchObject({
      code: -32603,
    });
    const span = onlySpan();
    expect(span.attributes['error.type']).toBe('FORBIDDEN');
    expect(span.attributes['rpc.response.status_code']).toBe('-32603');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'not for you' });
    expect(span.events).toEqual([]);
  });

  // A middleware's error of any code is expected (no exception event), as on a tool call's span.
  it.each([
    ['a timeout', () => new MiddlewareError('TIMEOUT', 'too slow'), 'TIMEOUT', -32001],
    ['a hidden target', () => asNotFound(new MiddlewareError('FORBIDDEN', 'hidden')), 'FORBIDDEN', -32602],
    ['a middleware’s INTERNAL error', () => new MiddlewareError('INTERNAL', 'bug'), 'INTERNAL', -32603],
  ])(
    'records %s by its code and the JSON-RPC code the client got, without an exception event',
    async (_name, make, errorType, clientCode) => {
      const refuse = defineMiddleware('refuse', {
        requests: { 'resources/read': () => Promise.reject(make()) },
      });
      const conn = await serve([tracing(), refuse]);
      await expect(conn.client.readResource({ uri: 'docs://readme' })).rejects.toMatchObject({
        code: clientCode,
      });
      const span = onlySpan();
      expect(span.attributes['error.type']).toBe(errorType);
      expect(span.attributes['rpc.response.status_code']).toBe(String(clientCode));
      expect(span.events).toEqual([]);
    },
  );

  it('records the SDK’s answer to an unknown resource by its JSON-RPC code', async () => {
    const conn = await serve([tracing()]);
    await expect(conn.client.readResource({ uri: 'docs://nope' })).rejects.toMatchObject({ code: -32602 });
    const span = onlySpan();
    expect(span.attributes['error.type']).toBe('-32602');
    expect(span.attributes['rpc.response.status_code']).toBe('-32602');
    expect(span.events).toEqual([]);
  });

  it('records a thrown error as _OTHER with a redacted exception event', async () => {
    const conn = await serve([tracing()]);
    await expect(conn.client.readResource({ uri: 'docs://broken' })).rejects.toThrow();
    const span = onlySpan();
    expect(span.attributes['error.type']).toBe('_OTHER');
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.status.message).toBe('disk failed: password=[redacted]');
    expect(JSON.stringify([span.attributes, span.events])).not.toContain('hunter2');
  });

  it('makes the span active and stores it under spanKey for the layers below', async () => {
    let stored: unknown;
    let active: unknown;
    const look = defineMiddleware('look', {
      requests: {
        '*': (ctx, next) => {
          stored = ctx.get(spanKey)?.spanContext().spanId;
          active = trace.getActiveSpan()?.spanContext().spanId;
          return next();
        },
      },
    });
    const conn = await serve([tracing(), look]);
    await conn.client.listPrompts();
    const spanId = onlySpan().spanContext().spanId;
    expect(stored).toBe(spanId);
    expect(active).toBe(spanId);
  });

  it('adds the pipeline’s events on the request to its span', async () => {
    const emit = defineMiddleware('emit', {
      requests: {
        '*': (ctx, next) => {
          ctx.emit({ type: 'cache', result: 'hit' });
          return next();
        },
      },
    });
    const conn = await serve([tracing(), emit]);
    await conn.client.readResource({ uri: 'docs://readme' });
    expect(onlySpan().events.map((e) => e.name)).toEqual(['mcp_middleware.cache']);
  });

  it('records nothing and still answers without a registered SDK', async () => {
    trace.disable();
    const conn = await serve([tracing()]);
    const result = await conn.client.readResource({ uri: 'docs://readme' });
    expect(result.contents).toHaveLength(1);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
