// tracing() through the real OpenTelemetry SDK 2.12 and a real McpServer and Client, in memory.
import { readFileSync } from 'node:fs';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { UrlElicitationRequiredError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  ERROR_META_KEY,
  EventChannel,
  MiddlewareError,
  spanKey,
  withMiddleware,
  type Middleware,
  type MiddlewareEvent,
  type ToolContext,
} from '@mcp-middleware/core';
import { connectInMemory, textResult, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { TRACER_NAME, TRACER_VERSION, tracing, type TracingOptions } from './index.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const REMOTE_SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${REMOTE_SPAN_ID}-01`;

let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;
let connection: InMemoryConnection | undefined;

function registerSdk(options: { sampler?: AlwaysOffSampler; processor?: SpanProcessor } = {}): void {
  exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({
    ...(options.sampler !== undefined && { sampler: options.sampler }),
    spanProcessors: [options.processor ?? new SimpleSpanProcessor(exporter)],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

function unregisterSdk(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}

beforeEach(() => registerSdk());

afterEach(async () => {
  await connection?.close();
  connection = undefined;
  await provider.shutdown();
  unregisterSdk();
});

type Handler = (args: { text: string }, extra: unknown) => CallToolResult | Promise<CallToolResult>;

/** A real McpServer with one `echo` tool behind `pipeline`, connected to a real Client. */
async function serve(
  pipeline: Middleware | readonly Middleware[],
  handler: Handler = ({ text }) => textResult(text),
  events?: EventChannel,
): Promise<InMemoryConnection> {
  const server = new McpServer({ name: 'tracing-test', version: '1.0.0' });
  withMiddleware(server, pipeline, events === undefined ? {} : { events });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, handler);
  connection = await connectInMemory(server);
  return connection;
}

async function call(conn: InMemoryConnection, meta?: Record<string, unknown>): Promise<CallToolResult> {
  return (await conn.client.callTool({
    name: 'echo',
    arguments: { text: 'hello' },
    ...(meta !== undefined && { _meta: meta }),
  })) as CallToolResult;
}

function toolSpan(): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('tracing(): the span', () => {
  it('starts one SERVER span named `tools/call {tool}` per call, from this package’s tracer', async () => {
    await call(await serve(tracing()));
    const span = toolSpan();
    expect(span.name).toBe('tools/call echo');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.instrumentationScope).toMatchObject({ name: TRACER_NAME, version: TRACER_VERSION });
  });

  it('sets the MCP attributes, with the request id as a string and pipe as the transport without HTTP', async () => {
    let requestId: unknown;
    await call(
      await serve(tracing(), ({ text }, extra) => {
        requestId = (extra as { requestId: unknown }).requestId;
        return textResult(text);
      }),
    );
    expect(toolSpan().attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'echo',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': String(requestId),
      'network.transport': 'pipe',
    });
  });

  it('uses the networkTransport option instead of detecting the transport', async () => {
    await call(await serve(tracing({ networkTransport: 'unix' })));
    expect(toolSpan().attributes['network.transport']).toBe('unix');
  });

  it('leaves error.type unset and the status unset on success', async () => {
    await call(await serve(tracing()));
    const span = toolSpan();
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks an isError answer as error.type tool_error with status ERROR', async () => {
    await call(
      await serve(tracing(), () => ({ content: [{ type: 'text', text: 'no such file' }], isError: true })),
    );
    const span = toolSpan();
    expect(span.attributes['error.type']).toBe('tool_error');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('records a thrown error as _OTHER with status ERROR and an exception event, redacted and without a stack', async () => {
    const result = await call(
      await serve(tracing(), () => {
        throw new TypeError('connect failed: password=hunter2');
      }),
    );
    expect(result.isError).toBe(true);
    const span = toolSpan();
    expect(span.attributes['error.type']).toBe('_OTHER');
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'connect failed: password=[redacted]',
    });
    expect(span.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'exception',
        { 'exception.type': 'TypeError', 'exception.message': 'connect failed: password=[redacted]' },
      ],
    ]);
    expect(JSON.stringify(span.events)).not.toContain('hunter2');
  });

  it('records a middleware rejection by its code, without an exception event, and the client still gets the code', async () => {
    const limit: Middleware = () =>
      Promise.reject(
        new MiddlewareError('RATE_LIMITED', 'rate limit for tool `echo` exceeded; retry after 1 s'),
      );
    const result = await call(await serve([tracing(), limit]));
    const span = toolSpan();
    expect(span.attributes['error.type']).toBe('RATE_LIMITED');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events).toEqual([]);
    expect(result._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('rethrows a rejection unchanged', async () => {
    const rejection = new MiddlewareError('FORBIDDEN', 'tool `echo` needs scope admin');
    let seen: unknown;
    const outer: Middleware = (ctx, next) =>
      next(ctx).catch((error: unknown) => {
        seen = error;
        return textResult('caught');
      });
    await call(await serve([outer, tracing(), () => Promise.reject(rejection)]));
    expect(seen).toBe(rejection);
  });

  it('records the one JSON-RPC error a tool may raise (-32042) as error.type and rpc.response.status_code', async () => {
    const conn = await serve(tracing(), () => {
      throw new UrlElicitationRequiredError([
        { mode: 'url', elicitationId: 'e1', url: 'https://example.com/consent', message: 'consent needed' },
      ]);
    });
    await expect(call(conn)).rejects.toMatchObject({ code: -32042 });
    const span = toolSpan();
    expect(span.attributes['error.type']).toBe('-32042');
    expect(span.attributes['rpc.response.status_code']).toBe('-32042');
  });
});

describe('tracing(): parents and context', () => {
  it('takes the parent from the traceparent in params._meta', async () => {
    await call(await serve(tracing()), { traceparent: TRACEPARENT });
    const span = toolSpan();
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(REMOTE_SPAN_ID);
    expect(span.parentSpanContext?.isRemote).toBe(true);
  });

  it('carries the tracestate from params._meta into the span context', async () => {
    await call(await serve(tracing()), { traceparent: TRACEPARENT, tracestate: 'vendor=abc' });
    expect(toolSpan().spanContext().traceState?.get('vendor')).toBe('abc');
  });

  it('makes the baggage from params._meta visible to the handler', async () => {
    let tenant: string | undefined;
    const conn = await serve(tracing(), ({ text }) => {
      tenant = propagation.getActiveBaggage()?.getEntry('tenant')?.value;
      return textResult(text);
    });
    await call(conn, { traceparent: TRACEPARENT, baggage: 'tenant=acme' });
    expect(tenant).toBe('acme');
  });

  it('starts a new trace when _meta carries no trace context and nothing is active', async () => {
    await call(await serve(tracing()), { progressToken: 7 });
    const span = toolSpan();
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe(TRACE_ID);
  });

  it('ignores a traceparent that is not a string', async () => {
    await call(await serve(tracing()), { traceparent: 42 });
    expect(toolSpan().parentSpanContext).toBeUndefined();
  });

  it('parents on the ambient span when _meta carries no trace context', async () => {
    const conn = await serve(tracing());
    const ambient = trace.getTracer('test').startSpan('POST /mcp', { kind: SpanKind.SERVER });
    // InMemoryTransport delivers synchronously, so the server runs in the caller's async context.
    await context.with(trace.setSpan(ROOT_CONTEXT, ambient), () => call(conn));
    ambient.end();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'tools/call echo');
    expect(span?.parentSpanContext?.spanId).toBe(ambient.spanContext().spanId);
    expect(span?.links).toEqual([]);
  });

  it('links the ambient span when the parent comes from _meta', async () => {
    const conn = await serve(tracing());
    const ambient = trace.getTracer('test').startSpan('POST /mcp', { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(ROOT_CONTEXT, ambient), () => call(conn, { traceparent: TRACEPARENT }));
    ambient.end();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'tools/call echo');
    expect(span?.parentSpanContext?.spanId).toBe(REMOTE_SPAN_ID);
    expect(span?.links.map((l) => l.context.spanId)).toEqual([ambient.spanContext().spanId]);
  });

  it('keeps the span active while the handler runs, so the handler’s own spans nest under it', async () => {
    const conn = await serve(tracing(), async ({ text }) => {
      await Promise.resolve();
      await trace.getTracer('app').startActiveSpan('db.query', async (child) => {
        await Promise.resolve();
        child.end();
      });
      return textResult(text);
    });
    await call(conn, { traceparent: TRACEPARENT });
    const server = toolSpan();
    const child = exporter.getFinishedSpans().find((s) => s.name === 'db.query');
    expect(child?.spanContext().traceId).toBe(TRACE_ID);
    expect(child?.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  });

  it('stores the span under spanKey for the middlewares below', async () => {
    let stored: string | undefined;
    const reader: Middleware = (ctx, next) => {
      stored = ctx.get(spanKey)?.spanContext().spanId;
      return next(ctx);
    };
    await call(await serve([tracing(), reader]));
    expect(stored).toBe(toolSpan().spanContext().spanId);
  });
});

/** A tiny retry-like middleware: on a failure it publishes a retry event and calls next() once more. */
const retryOnce: Middleware = async (ctx, next) => {
  try {
    return await next(ctx);
  } catch {
    ctx.emit({ type: 'retry', attempt: 1, delayMs: 0, code: 'UPSTREAM_ERROR' });
    return next(ctx);
  }
};

describe('tracing(): span events from the pipeline channel', () => {
  it('adds a span event for each retry, on the one span of the call', async () => {
    let calls = 0;
    const conn = await serve([tracing(), retryOnce], ({ text }) => {
      calls++;
      if (calls === 1) throw new Error('flaky upstream');
      return textResult(text);
    });
    const result = await call(conn);
    expect(result.isError).toBeUndefined();
    const span = toolSpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'mcp_middleware.retry',
        {
          'mcp_middleware.retry.attempt': 1,
          'mcp_middleware.retry.delay_ms': 0,
          'error.type': 'UPSTREAM_ERROR',
        },
      ],
    ]);
  });

  it('adds span events for cache hits, breaker transitions and rejections', async () => {
    const emitter: Middleware = (ctx) => {
      ctx.emit({ type: 'breaker', key: 'echo:user-42', tool: 'echo', state: 'half-open' });
      ctx.emit({ type: 'cache', result: 'hit', ageMs: 250 });
      ctx.emit({ type: 'reject', code: 'CONCURRENCY_LIMITED', source: 'concurrencyLimit' });
      return Promise.resolve(textResult('from cache'));
    };
    await call(await serve([tracing(), emitter]));
    expect(toolSpan().events.map((e) => [e.name, e.attributes])).toEqual([
      ['mcp_middleware.breaker', { 'mcp_middleware.breaker.state': 'half-open' }],
      ['mcp_middleware.cache', { 'mcp_middleware.cache.result': 'hit', 'mcp_middleware.cache.age_ms': 250 }],
      [
        'mcp_middleware.reject',
        { 'error.type': 'CONCURRENCY_LIMITED', 'mcp_middleware.reject.source': 'concurrencyLimit' },
      ],
    ]);
  });

  it('ignores events that arrive after the span ended and events outside any call', async () => {
    const events = new EventChannel();
    let late: ToolContext | undefined;
    const keep: Middleware = (ctx, next) => {
      late = ctx;
      return next(ctx);
    };
    await call(await serve([tracing(), keep], undefined, events));
    late?.emit({ type: 'timeout', timeoutMs: 10 });
    events.emit({ type: 'breaker', key: 'echo', tool: 'echo', state: 'open' });
    expect(toolSpan().events).toEqual([]);
  });
});

describe('tracing(): captures', () => {
  it('records neither arguments nor result by default', async () => {
    await call(await serve(tracing()));
    const attributes = toolSpan().attributes;
    expect(attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    expect(attributes['gen_ai.tool.call.result']).toBeUndefined();
  });

  it('records the arguments as JSON when captureArguments is set', async () => {
    await call(await serve(tracing({ captureArguments: true })));
    expect(toolSpan().attributes['gen_ai.tool.call.arguments']).toBe('{"text":"hello"}');
  });

  it('records the result content as JSON when captureResult is set', async () => {
    await call(await serve(tracing({ captureResult: true })));
    expect(toolSpan().attributes['gen_ai.tool.call.result']).toBe('[{"type":"text","text":"hello"}]');
  });

  it('records what a capture function returns', async () => {
    await call(
      await serve(tracing({ captureArguments: (args) => ({ length: String(args?.['text']).length }) })),
    );
    expect(toolSpan().attributes['gen_ai.tool.call.arguments']).toBe('{"length":5}');
  });

  it('redacts credentials and bounds the length of a capture', async () => {
    const conn = await serve(tracing({ captureArguments: true, maxCaptureLength: 30 }));
    await conn.client.callTool({ name: 'echo', arguments: { text: `password=hunter2 ${'x'.repeat(100)}` } });
    expect(toolSpan().attributes['gen_ai.tool.call.arguments']).toBe('{"text":"password=[redacted] x…');
  });

  it('skips a capture whose function throws, and still records the call', async () => {
    const result = await call(
      await serve(
        tracing({
          captureArguments: () => {
            throw new Error('bad capture');
          },
        }),
      ),
    );
    expect(result.isError).toBeUndefined();
    expect(toolSpan().attributes['gen_ai.tool.call.arguments']).toBeUndefined();
  });
});

describe('tracing(): without an SDK, and SDK choices', () => {
  it('passes calls through with no SDK registered and stores no span', async () => {
    unregisterSdk();
    let stored: unknown = 'unset';
    const reader: Middleware = (ctx, next) => {
      stored = ctx.get(spanKey);
      return next(ctx);
    };
    const result = await call(await serve([tracing(), reader]), { traceparent: TRACEPARENT });
    expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(stored).toBeUndefined();
  });

  it('picks up an SDK registered after tracing() was created', async () => {
    unregisterSdk();
    const middleware = tracing();
    registerSdk();
    await call(await serve(middleware));
    expect(toolSpan().name).toBe('tools/call echo');
  });

  it('follows the global provider when it is replaced after trace.disable()', async () => {
    const conn = await serve(tracing());
    await call(conn);
    const first = exporter.getFinishedSpans().length;
    await provider.shutdown();
    unregisterSdk();
    registerSdk();
    await call(conn);
    expect(first).toBe(1);
    expect(toolSpan().name).toBe('tools/call echo');
  });

  it('keeps the trace id flowing to the handler when the sampler drops the span', async () => {
    await provider.shutdown();
    unregisterSdk();
    registerSdk({ sampler: new AlwaysOffSampler() });
    let seenTraceId: string | undefined;
    const conn = await serve(tracing(), ({ text }) => {
      seenTraceId = trace.getActiveSpan()?.spanContext().traceId;
      return textResult(text);
    });
    await call(conn, { traceparent: TRACEPARENT });
    expect(seenTraceId).toBe(TRACE_ID);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('uses the tracerProvider option instead of the global provider', async () => {
    const own = new InMemorySpanExporter();
    const ownProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(own)] });
    await call(await serve(tracing({ tracerProvider: ownProvider })));
    expect(own.getFinishedSpans().map((s) => s.name)).toEqual(['tools/call echo']);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await ownProvider.shutdown();
  });

  it('uses the propagator option to read params._meta', async () => {
    propagation.disable();
    const propagator: TextMapPropagator = new W3CTraceContextPropagator();
    await call(await serve(tracing({ propagator })), { traceparent: TRACEPARENT });
    expect(toolSpan().spanContext().traceId).toBe(TRACE_ID);
  });
});

describe('tracing(): a failing SDK never fails a call', () => {
  const throwingProcessor = (phase: 'onStart' | 'onEnd'): SpanProcessor => ({
    onStart() {
      if (phase === 'onStart') throw new Error('processor broke on start');
    },
    onEnd() {
      if (phase === 'onEnd') throw new Error('processor broke on end');
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  });

  async function warningsFrom(
    processor: SpanProcessor,
  ): Promise<{ result: CallToolResult; warnings: string[] }> {
    await provider.shutdown();
    unregisterSdk();
    registerSdk({ processor });
    const events = new EventChannel();
    const warnings: string[] = [];
    events.subscribe((event: MiddlewareEvent) => {
      if (event.type === 'warning') warnings.push(event.message);
    });
    const result = await call(await serve(tracing(), undefined, events));
    return { result, warnings };
  }

  it('answers the call and warns when a span processor throws on start', async () => {
    const { result, warnings } = await warningsFrom(throwingProcessor('onStart'));
    expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(warnings).toEqual(['tracing: could not start a span: processor broke on start']);
  });

  it('answers the call and warns when a span processor throws on end', async () => {
    const { result, warnings } = await warningsFrom(throwingProcessor('onEnd'));
    expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(warnings).toEqual(['tracing: could not end the span: processor broke on end']);
  });

  it('answers the call when the exporter fails', async () => {
    const failing: SpanExporter = {
      export: (_spans, done) => done({ code: 1, error: new Error('collector down') }),
      shutdown: () => Promise.resolve(),
    };
    const { result } = await warningsFrom(new SimpleSpanProcessor(failing));
    expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
  });
});

describe('tracing(): options', () => {
  const invalid =
    (options: unknown): (() => unknown) =>
    () =>
      tracing(options as TracingOptions);

  it('rejects an unknown option with a did-you-mean', () => {
    expect(invalid({ captureResults: true })).toThrow(
      /unknown option captureResults \(did you mean captureResult\?\)/,
    );
  });

  it('rejects a networkTransport outside the semantic conventions', () => {
    expect(invalid({ networkTransport: 'http' })).toThrow(ConfigError);
  });

  it('rejects a maxCaptureLength outside 1 to 2000', () => {
    expect(invalid({ maxCaptureLength: 0 })).toThrow(/maxCaptureLength must be an integer from 1 to 2000/);
  });

  it('rejects a capture option that is neither a boolean nor a function', () => {
    expect(invalid({ captureResult: 'yes' })).toThrow(/captureResult must be true, false or a function/);
  });

  it('rejects a tracerProvider without getTracer()', () => {
    expect(invalid({ tracerProvider: {} })).toThrow(/tracerProvider must be a TracerProvider/);
  });

  it('rejects a propagator without extract()', () => {
    expect(invalid({ propagator: { inject() {} } })).toThrow(/propagator must be a TextMapPropagator/);
  });

  it('names its tracer with the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(TRACER_VERSION).toBe(pkg.version);
  });
});
