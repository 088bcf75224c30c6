/** A span's life, shared by tracing()'s tool step and request step: find the parent, start, run the rest, record, end. */
import {
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { spanKey, type RequestContext } from '@mcp-middleware/core';
import { redactSecrets } from '@mcp-middleware/core/redact';
import type { Extractor } from './options.js';
import { metaGetter } from './carrier.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  type NetworkTransport,
} from './semconv.js';
import { bounded, messageOf } from './text.js';

/** The instrumentation scope of every span this package starts. */
export const TRACER_NAME = '@mcp-middleware/tracing';
/** This package's version, the scope version of its tracer. */
export const TRACER_VERSION = '0.1.0';

/** A span's name and start options, built once and shared by every request they fit. */
export interface SpanStart {
  readonly name: string;
  readonly options: SpanOptions;
}

/** What a step records at each point of its span's life; one object per step, built once. */
export interface SpanRecorder<C extends RequestContext, R> {
  /** Sets the request's attributes on a recording span, before the rest of the pipeline runs. */
  annotate(span: Span, ctx: C): void;
  /** Records the answer and ends the span. */
  succeed(span: Span, ctx: C, result: R): void;
  /** Records the failure and ends the span. */
  fail(span: Span, ctx: C, error: unknown): void;
}

/** What one `tracing()` shares between its steps. */
export interface SpanLifecycleSettings {
  readonly tracerProvider: TracerProvider | undefined;
  readonly propagator: Extractor;
  readonly networkTransport: NetworkTransport | undefined;
}

/**
 * The state one `tracing()` keeps for all its spans: the tracer (the global provider's, followed when it
 * changes), the propagator that finds a parent in `_meta`, and the warnings already given. Built once per
 * `tracing()`; `run()` is the per-call path and allocates nothing beyond the span and its settle callbacks.
 */
export class SpanLifecycle {
  readonly networkTransport: NetworkTransport | undefined;
  private readonly ownTracer: Tracer | undefined;
  private readonly propagator: Extractor;
  private globalProvider: TracerProvider | undefined;
  private globalTracer: Tracer | undefined;
  private readonly reported = new Set<string>();

  constructor(settings: SpanLifecycleSettings) {
    this.ownTracer = settings.tracerProvider?.getTracer(TRACER_NAME, TRACER_VERSION);
    this.propagator = settings.propagator;
    this.networkTransport = settings.networkTransport;
  }

  /**
   * The tracer to start spans with now. The global provider is looked up per call (one property read): it
   * changes when an app or a test calls trace.disable() and registers another, and a tracer from the old
   * one would go nowhere.
   */
  tracer(): Tracer {
    if (this.ownTracer !== undefined) return this.ownTracer;
    const current = trace.getTracerProvider();
    if (current !== this.globalProvider || this.globalTracer === undefined) {
      this.globalProvider = current;
      this.globalTracer = current.getTracer(TRACER_NAME, TRACER_VERSION);
    }
    return this.globalTracer;
  }

  /** A broken SDK, propagator or capture function never fails a call: it is reported once per kind. */
  warn(ctx: RequestContext, what: string, error: unknown): void {
    if (this.reported.has(what)) return;
    this.reported.add(what);
    ctx.emit({
      type: 'warning',
      source: 'tracing',
      message: redactSecrets(`tracing: ${what}: ${messageOf(error)}`),
      cause: error,
    });
  }

  /** The parent: the trace context in `params._meta`, else `active`. */
  parentOf(ctx: RequestContext, active: Context): Context {
    const meta = ctx.meta;
    if (meta === undefined) return active;
    try {
      return this.propagator.extract(active, meta, metaGetter);
    } catch (error) {
      this.warn(ctx, 'could not read the trace context from _meta', error);
      return active;
    }
  }

  /** The spec: when the parent comes from _meta, the server SHOULD link the ambient context (an HTTP span). */
  startOptions(options: SpanOptions, active: Context, parent: Context): SpanOptions {
    if (parent === active) return options;
    const ambient = trace.getSpanContext(active);
    if (ambient === undefined || ambient === trace.getSpanContext(parent) || !isSpanContextValid(ambient)) {
      return options;
    }
    return { ...options, links: [{ context: ambient }] };
  }

  /**
   * Runs `next` inside a SERVER span started from `start`, stores the span under `spanKey`, and has
   * `recorder` annotate it and record how the call ended. No SDK, a sampled-out span or a tracer that
   * throws: `next` runs all the same. `next` never throws synchronously (compose and the runner's
   * guarantee), so the span always ends.
   */
  run<C extends RequestContext, R>(
    ctx: C,
    next: (ctx?: C) => Promise<R>,
    start: SpanStart,
    recorder: SpanRecorder<C, R>,
  ): Promise<R> {
    const active = context.active();
    const parent = this.parentOf(ctx, active);
    let span: Span;
    try {
      span = this.tracer().startSpan(start.name, this.startOptions(start.options, active, parent), parent);
    } catch (error) {
      this.warn(ctx, 'could not start a span', error);
      return context.with(parent, next, undefined, ctx);
    }
    if (!span.isRecording()) {
      // No SDK (or tracing suppressed): nothing to record or propagate beyond the parent.
      if (span.spanContext() === INVALID_SPAN_CONTEXT) {
        return parent === active ? next(ctx) : context.with(parent, next, undefined, ctx);
      }
      // Sampled out: record nothing, but keep the trace id flowing to the handler's own calls.
      ctx.set(spanKey, span);
      return context.with(trace.setSpan(parent, span), next, undefined, ctx);
    }
    recorder.annotate(span, ctx);
    ctx.set(spanKey, span);
    return context.with(trace.setSpan(parent, span), next, undefined, ctx).then(
      (result) => {
        recorder.succeed(span, ctx, result);
        return result;
      },
      (error: unknown) => {
        recorder.fail(span, ctx, error);
        return Promise.reject(error);
      },
    );
  }

  /** The request id and the transport; throws what the span throws (the caller warns). */
  setConnection(span: Span, ctx: RequestContext): void {
    span.setAttribute(ATTR_JSONRPC_REQUEST_ID, bounded(String(ctx.requestId)));
    const overHttp = ctx.requestInfo !== undefined;
    span.setAttribute(ATTR_NETWORK_TRANSPORT, this.networkTransport ?? (overHttp ? 'tcp' : 'pipe'));
    if (overHttp) span.setAttribute(ATTR_NETWORK_PROTOCOL_NAME, 'http');
  }

  /**
   * `error.type`, `rpc.response.status_code` when there is one, status ERROR with the redacted message,
   * and an exception event (no stack: its first line repeats the unredacted message) unless the failure
   * was `expected` (a rejection, the SDK's answer to a bad request). Throws what the span throws.
   */
  recordError(
    span: Span,
    error: unknown,
    errorType: string,
    statusCode: string | undefined,
    expected: boolean,
  ): void {
    span.setAttribute(ATTR_ERROR_TYPE, errorType);
    if (statusCode !== undefined) span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, statusCode);
    const message = redactSecrets(messageOf(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    if (!expected) {
      const name = error instanceof Error ? redactSecrets(String(error.name)) : typeof error;
      span.recordException({ name, message });
    }
  }

  /** Ends the span; an SDK that throws on end is reported, never thrown. */
  end(span: Span, ctx: RequestContext): void {
    try {
      span.end();
    } catch (error) {
      this.warn(ctx, 'could not end the span', error);
    }
  }
}
