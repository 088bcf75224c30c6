// SpanLifecycle on its own, through the real OpenTelemetry SDK 2.12: parent, start, run, record, end.
import { context, ROOT_CONTEXT, trace, type Span, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MiddlewareError, spanKey, type CallToolResult, type ToolContext } from '@mcp-middleware/core';
import { createTestContext, textResult } from '@mcp-middleware/core/testing';
import { SpanLifecycle, TRACER_NAME, type SpanRecorder, type SpanStart } from './span-lifecycle.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const START: SpanStart = { name: 'tools/call echo', options: {} };

let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;

beforeEach(() => {
  exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

afterEach(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

/** A lifecycle with its own tracer provider, or (null) the global one. */
function lifecycle(tracerProvider: TracerProvider | null = provider): SpanLifecycle {
  return new SpanLifecycle({
    tracerProvider: tracerProvider ?? undefined,
    propagator: new W3CTraceContextPropagator(),
    networkTransport: undefined,
  });
}

/** A recorder that notes what it was asked to do and ends the span like the real ones. */
function noting(
  life: SpanLifecycle,
): SpanRecorder<ToolContext, CallToolResult> & { readonly seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    annotate: (span: Span) => {
      seen.push('annotate');
      span.setAttribute('annotated', true);
    },
    succeed: (span, ctx) => {
      seen.push('succeed');
      life.end(span, ctx);
    },
    fail: (span, ctx, error) => {
      seen.push('fail');
      life.recordError(span, error, 'tool_error', undefined, false);
      life.end(span, ctx);
    },
  };
}

describe('SpanLifecycle', () => {
  it('runs next inside the span it stores under spanKey, and ends it once on success', async () => {
    const life = lifecycle();
    const recorder = noting(life);
    const ctx = createTestContext();
    let activeInside: string | undefined;
    const result = await life.run(
      ctx,
      () => {
        activeInside = trace.getActiveSpan()?.spanContext().spanId;
        return Promise.resolve(textResult('ok'));
      },
      START,
      recorder,
    );
    expect(result).toEqual(textResult('ok'));
    expect(recorder.seen).toEqual(['annotate', 'succeed']);
    const [span] = exporter.getFinishedSpans();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(span?.name).toBe('tools/call echo');
    expect(span?.attributes['annotated']).toBe(true);
    expect(activeInside).toBe(span?.spanContext().spanId);
    expect((ctx.get(spanKey) as Span).spanContext().spanId).toBe(span?.spanContext().spanId);
  });

  it('hands a rejection to the recorder and passes it on unchanged', async () => {
    const life = lifecycle();
    const recorder = noting(life);
    const rejection = new MiddlewareError('FORBIDDEN', 'no');
    const outcome = life.run(createTestContext(), () => Promise.reject(rejection), START, recorder);
    await expect(outcome).rejects.toBe(rejection);
    expect(recorder.seen).toEqual(['annotate', 'fail']);
    expect(exporter.getFinishedSpans()[0]?.attributes['error.type']).toBe('tool_error');
  });

  it('still runs next when the tracer throws, and warns once for any number of calls', async () => {
    const broken = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('sdk broke');
        },
      }),
    } as unknown as TracerProvider;
    const life = lifecycle(broken);
    const ctx = createTestContext();
    const recorder = noting(life);
    await life.run(ctx, () => Promise.resolve(textResult('one')), START, recorder);
    const second = await life.run(ctx, () => Promise.resolve(textResult('two')), START, recorder);
    expect(second).toEqual(textResult('two'));
    expect(recorder.seen).toEqual([]);
    expect(ctx.events.filter((e) => e.type === 'warning')).toHaveLength(1);
  });

  it('records nothing and calls no recorder without an SDK', async () => {
    const life = lifecycle(null);
    const recorder = noting(life);
    const ctx = createTestContext();
    await life.run(ctx, () => Promise.resolve(textResult('ok')), START, recorder);
    expect(recorder.seen).toEqual([]);
    expect(ctx.get(spanKey)).toBeUndefined();
  });

  it('takes the parent from _meta and links the ambient span', async () => {
    const life = lifecycle();
    const ctx = createTestContext({
      extra: { _meta: { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` } },
    });
    const ambient = provider.getTracer('http').startSpan('HTTP POST');
    await context.with(trace.setSpan(ROOT_CONTEXT, ambient), () =>
      life.run(ctx, () => Promise.resolve(textResult('ok')), START, noting(life)),
    );
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.links.map((l) => l.context.spanId)).toEqual([ambient.spanContext().spanId]);
    ambient.end();
  });

  it('follows the global tracer provider when another is registered', () => {
    const life = lifecycle(null);
    const before = life.tracer();
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    const after = life.tracer();
    expect(after).not.toBe(before);
    expect(after).toBe(life.tracer());
    expect(TRACER_NAME).toBe('@mcp-middleware/tracing');
  });
});
