/**
 * The full pipeline the proof suites run, in the documented order, with every output it produces
 * captured: pino lines, OpenTelemetry spans (a real SDK with an in-memory exporter) and the prom-client
 * exposition. The captures feed the secret scan.
 */
import { Writable } from 'node:stream';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { EventChannel, type Middleware, type MiddlewareEvent } from '@mcp-middleware/core';
import { auth, type AuthOptions, type PrincipalResolver } from '@mcp-middleware/auth';
import { cache } from '@mcp-middleware/cache';
import { circuitBreaker } from '@mcp-middleware/circuit-breaker';
import { logging } from '@mcp-middleware/logging';
import { metrics } from '@mcp-middleware/metrics';
import { concurrencyLimit, rateLimit, type RateLimitOptions } from '@mcp-middleware/ratelimit';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';
import { tracing } from '@mcp-middleware/tracing';
import { validation } from '@mcp-middleware/validation';

/**
 * Keeps finished spans in memory and reports each export done at once. (The SDK's InMemorySpanExporter
 * answers through a `setTimeout(0)`, which the leak checks would count against the pipeline.)
 */
class CapturingExporter implements SpanExporter {
  readonly finished: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.finished.push(...spans);
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Everything the pipeline wrote: log lines, finished spans, the metrics text, and its events. */
export class Observed {
  readonly logs: string[] = [];
  readonly events: MiddlewareEvent[] = [];
  readonly channel = new EventChannel();
  readonly registry = new Registry();
  readonly exporter = new CapturingExporter();
  readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.exporter)],
  });
  readonly logger = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') this.logs.push(line);
        done();
      },
    }),
  );

  constructor() {
    this.channel.subscribe((event) => this.events.push(event));
  }

  spans(): readonly ReadableSpan[] {
    return this.exporter.finished;
  }

  /** Every span as JSON: name, attributes, events and status. */
  spanTexts(): string[] {
    return this.spans().map((span) =>
      JSON.stringify({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        status: span.status,
      }),
    );
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** How many events of `type` (and, for rejections, `code`) the pipeline published. */
  count(type: MiddlewareEvent['type'], code?: string): number {
    return this.events.filter(
      (e) => e.type === type && (code === undefined || (e as { code?: string }).code === code),
    ).length;
  }

  async close(): Promise<void> {
    await this.tracerProvider.shutdown();
  }
}

/** Options of {@link fullPipeline}. */
export interface FullPipelineOptions {
  /** Who is calling (the bearer gate's authInfo by default). */
  readonly from?: PrincipalResolver | readonly PrincipalResolver[];
  /** Requirements per tool, prompt and resource, as `auth()` takes them. @default none */
  readonly requirements?: Pick<AuthOptions, 'tools' | 'prompts' | 'resources'>;
  readonly timeoutMs?: number;
  readonly rateLimit?: RateLimitOptions;
  readonly maxConcurrent?: number;
  /** Log every call (successes at info) with its redacted arguments. @default true */
  readonly verbose?: boolean;
}

/** Every middleware with memory stores, observed by `observed`; `close()` stops the breaker's timers. */
export function fullPipeline(
  observed: Observed,
  options: FullPipelineOptions = {},
): { pipeline: Middleware[]; close(): void } {
  const breaker = circuitBreaker();
  const verbose = options.verbose ?? true;
  return {
    pipeline: [
      tracing({ tracerProvider: observed.tracerProvider, captureArguments: true, captureResult: true }),
      metrics({ registry: observed.registry }),
      logging({
        logger: observed.logger,
        ...(verbose && { includeArgs: true, levels: { success: 'info' } }),
      }),
      auth({ ...options.requirements, ...(options.from !== undefined && { from: options.from }) }),
      rateLimit(options.rateLimit ?? { limit: 1_000_000, windowMs: 60_000 }),
      concurrencyLimit({ max: options.maxConcurrent ?? 1_000 }),
      validation(),
      cache(),
      retry(),
      breaker,
      timeout({ timeoutMs: options.timeoutMs ?? 10_000 }),
    ],
    close: () => breaker.shutdown(),
  };
}
