// tracing() and logging() on every operation of a real McpServer and Client: a span named and attributed per
// the OpenTelemetry MCP conventions and one log line per request, refusals included, bounded for any URI.
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MiddlewareError,
  defineMiddleware,
  principalKey,
  withMiddleware,
  type Middleware,
} from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { logging, type LoggingOptions } from '@mcp-middleware/logging';
import { tracing } from '@mcp-middleware/tracing';

type Line = Record<string, unknown> & { level: number; msg: string };

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnLTZiMGQ';

const open: InMemoryConnection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

// What auth() does for every request: resolve the caller and keep only its id.
const authenticate = defineMiddleware('authenticate', {
  tools: (ctx, next) => {
    ctx.set(principalKey, { id: 'user-42', source: 'jwt', scopes: [], roles: [], claims: {} });
    return next();
  },
  requests: {
    '*': (ctx, next) => {
      ctx.set(principalKey, { id: 'user-42', source: 'jwt', scopes: [], roles: [], claims: {} });
      return next();
    },
  },
});

const forbidPrivate = defineMiddleware('forbidPrivate', {
  requests: {
    'resources/read': (ctx, next) =>
      ctx.target?.startsWith('private://') === true
        ? Promise.reject(new MiddlewareError('FORBIDDEN', 'private:// resources are not served here'))
        : next(),
  },
});

interface Observed {
  readonly client: InMemoryConnection['client'];
  readonly exporter: InMemorySpanExporter;
  readonly lines: Line[];
  readonly raw: string[];
}

function capture(level: string): { logger: Logger; lines: Line[]; raw: string[] } {
  const lines: Line[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level },
    {
      write(text: string) {
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      },
    },
  );
  return { logger, lines, raw };
}

/** A real server with one tool, resource, template (with completion) and prompt, observed in the documented order. */
async function observe(
  level = 'debug',
  options: Omit<LoggingOptions, 'logger'> = {},
  extra: readonly Middleware[] = [],
): Promise<Observed> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const { logger, lines, raw } = capture(level);
  const server = withMiddleware(new McpServer({ name: 'operations-observability', version: '1.0.0' }), [
    tracing({ tracerProvider: provider, propagator: new W3CTraceContextPropagator() }),
    logging({ logger, ...options }),
    authenticate,
    forbidPrivate,
    ...extra,
  ]);
  server.registerTool('search', { inputSchema: { query: z.string() } }, ({ query }) => ({
    content: [{ type: 'text', text: `found ${query}` }],
  }));
  server.registerResource('readme', 'docs://readme', {}, (uri) => ({
    contents: [{ uri: uri.href, text: 'read me' }],
  }));
  server.registerResource('private', 'private://keys', {}, (uri) => ({
    contents: [{ uri: uri.href, text: 'keys' }],
  }));
  server.registerResource(
    'notes',
    new ResourceTemplate('notes://{id}', { list: undefined, complete: { id: () => ['1', '2'] } }),
    {},
    (uri) => ({ contents: [{ uri: uri.href, text: 'a note' }] }),
  );
  server.registerPrompt('greet', { argsSchema: { who: z.string() } }, ({ who }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `hello ${who}` } }],
  }));
  const connection = await connectInMemory(server);
  open.push(connection);
  return { client: connection.client, exporter, lines, raw };
}

function spansOf(observed: Observed, name: string): ReadableSpan[] {
  return observed.exporter.getFinishedSpans().filter((span) => span.name === name);
}

function onlySpan(observed: Observed, name: string): ReadableSpan {
  const spans = spansOf(observed, name);
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

function onlyLine(observed: Observed, method: string): Line {
  const lines = observed.lines.filter((line) => line.method === method);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

// What every request span carries besides its own attributes, in memory (no HTTP, no session).
const COMMON = { 'jsonrpc.request.id': expect.any(String) as string, 'network.transport': 'pipe' };

describe('every operation is traced and logged', () => {
  it.each([
    ['tools/list', 'tools/list', {}, (o: Observed) => o.client.listTools()],
    ['resources/list', 'resources/list', {}, (o: Observed) => o.client.listResources()],
    ['prompts/list', 'prompts/list', {}, (o: Observed) => o.client.listPrompts()],
    [
      'resources/templates/list',
      'resources/templates/list',
      {},
      (o: Observed) => o.client.listResourceTemplates(),
    ],
    [
      'resources/read',
      'resources/read',
      { 'mcp.resource.uri': 'docs://readme' },
      (o: Observed) => o.client.readResource({ uri: 'docs://readme' }),
    ],
    [
      'prompts/get',
      'prompts/get greet',
      { 'gen_ai.prompt.name': 'greet' },
      (o: Observed) => o.client.getPrompt({ name: 'greet', arguments: { who: 'ann' } }),
    ],
    [
      'completion/complete',
      'completion/complete',
      {},
      (o: Observed) =>
        o.client.complete({
          ref: { type: 'ref/resource', uri: 'notes://{id}' },
          argument: { name: 'id', value: '' },
        }),
    ],
  ] as const)(
    '%s gives a SERVER span named per the conventions and one line',
    async (method, name, own, send) => {
      const observed = await observe();
      await send(observed);
      const span = onlySpan(observed, name);
      expect(span.kind).toBe(SpanKind.SERVER);
      expect(span.attributes).toEqual({ 'mcp.method.name': method, ...COMMON, ...own });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(observed.exporter.getFinishedSpans()).toHaveLength(1);

      const line = onlyLine(observed, method);
      expect(line).toMatchObject({
        level: 20,
        msg: 'request completed',
        outcome: 'success',
        principalId: 'jwt:user-42',
        requestId: Number(span.attributes['jsonrpc.request.id']),
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
      });
      expect(typeof line.durationMs).toBe('number');
      expect(observed.lines).toHaveLength(1);
    },
  );

  it('names the target on the line of a read, a get and a completion', async () => {
    const observed = await observe();
    await observed.client.readResource({ uri: 'notes://7' });
    await observed.client.getPrompt({ name: 'greet', arguments: { who: 'ann' } });
    await observed.client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'who', value: 'a' },
    });
    expect(observed.lines.map((line) => [line.method, line.target])).toEqual([
      ['resources/read', 'notes://7'],
      ['prompts/get', 'greet'],
      ['completion/complete', 'greet'],
    ]);
  });

  it('keeps a tool call’s span and line exactly as before', async () => {
    const observed = await observe();
    await observed.client.callTool({ name: 'search', arguments: { query: 'q' } });
    const span = onlySpan(observed, 'tools/call search');
    expect(span.attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'search',
      'gen_ai.operation.name': 'execute_tool',
      ...COMMON,
    });
    expect(observed.lines).toHaveLength(1);
    expect(observed.lines[0]).toMatchObject({ msg: 'tool call completed', tool: 'search' });
    expect(observed.lines[0]).not.toHaveProperty('method');
  });

  it('parents a read’s span on the traceparent the client sent in _meta', async () => {
    const observed = await observe();
    await observed.client.readResource({
      uri: 'docs://readme',
      _meta: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
    });
    const span = onlySpan(observed, 'resources/read');
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(onlyLine(observed, 'resources/read').trace_id).toBe(TRACE_ID);
  });
});

describe('a refused read', () => {
  it('gives a span with error.type FORBIDDEN and status ERROR, and a line at the rejected level (warn)', async () => {
    const observed = await observe('info');
    await expect(observed.client.readResource({ uri: 'private://keys' })).rejects.toMatchObject({
      code: -32603,
    });
    const span = onlySpan(observed, 'resources/read');
    expect(span.attributes).toMatchObject({
      'error.type': 'FORBIDDEN',
      'rpc.response.status_code': '-32603',
      'mcp.resource.uri': 'private://keys',
    });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(onlyLine(observed, 'resources/read')).toMatchObject({
      level: 40,
      msg: 'request rejected',
      target: 'private://keys',
      outcome: 'rejected',
      code: 'FORBIDDEN',
      jsonRpcCode: -32603,
      trace_id: span.spanContext().traceId,
    });
  });

  it('gives an error-level line when rejections are configured at error', async () => {
    const observed = await observe('info', { levels: { rejected: 'error' } });
    await expect(observed.client.readResource({ uri: 'private://keys' })).rejects.toThrow();
    expect(onlyLine(observed, 'resources/read')).toMatchObject({ level: 50, code: 'FORBIDDEN' });
  });

  it('logs the SDK’s answer to an unknown resource with its JSON-RPC code, at warn', async () => {
    const observed = await observe('info');
    await expect(observed.client.readResource({ uri: 'docs://nope' })).rejects.toMatchObject({
      code: -32602,
    });
    expect(onlySpan(observed, 'resources/read').attributes['error.type']).toBe('-32602');
    expect(onlyLine(observed, 'resources/read')).toMatchObject({
      level: 40,
      outcome: 'rejected',
      jsonRpcCode: -32602,
    });
  });
});

describe('hostile requests', () => {
  it('logs a malformed read without anything the caller sent as a credential', async () => {
    const observed = await observe('info');
    await expect(
      observed.client.request(
        {
          method: 'resources/read',
          params: {
            uri: 42,
            authorization: `Bearer ${TOKEN}`,
            _meta: { token: TOKEN, traceparent: `Bearer ${TOKEN}` },
          },
        },
        ResultSchema,
      ),
    ).rejects.toThrow();
    const line = onlyLine(observed, 'resources/read');
    expect(line).not.toHaveProperty('target');
    const span = onlySpan(observed, 'resources/read');
    expect(span.attributes).toMatchObject({ 'error.type': '_OTHER', 'rpc.response.status_code': '-32603' });
    // The SDK's schema refused the params: a bad request, not a broken server.
    expect(line).toMatchObject({ level: 40, outcome: 'rejected', jsonRpcCode: -32603 });
    const everything = JSON.stringify([observed.raw, span.attributes, span.status, span.events]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('c2lnLTZiMGQ');
  });

  it('redacts credentials in a resource URI on the span and the line', async () => {
    const observed = await observe();
    const uri = `notes://x?access_token=${TOKEN}`;
    await observed.client.readResource({ uri });
    const span = onlySpan(observed, 'resources/read');
    const line = onlyLine(observed, 'resources/read');
    expect(String(span.attributes['mcp.resource.uri'])).toContain('notes://x?access_token=');
    expect(JSON.stringify([span.attributes, line])).not.toContain(TOKEN);
  });

  it('keeps 10 000 distinct resource URIs under one span name, each URI bounded, no success line at info', async () => {
    const observed = await observe('info');
    const long = 'x'.repeat(5000);
    for (let i = 0; i < 10_000; i++) {
      await observed.client.readResource({ uri: `notes://${i}${i % 1000 === 0 ? long : ''}` });
    }
    const spans = observed.exporter.getFinishedSpans();
    expect(spans).toHaveLength(10_000);
    expect(new Set(spans.map((span) => span.name))).toEqual(new Set(['resources/read']));
    const uris = spans.map((span) => String(span.attributes['mcp.resource.uri']));
    expect(new Set(uris).size).toBe(10_000);
    expect(Math.max(...uris.map((uri) => uri.length))).toBeLessThanOrEqual(1025);
    expect(observed.lines).toEqual([]);
  }, 60_000);
});
