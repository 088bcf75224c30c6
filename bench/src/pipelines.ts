/**
 * The pipelines the headline cases share: every middleware in the documented order (ours), and the same
 * features written the obvious way straight on the libraries (what a user would otherwise write).
 */
import { createRequire } from 'node:module';
import { trace, type TracerProvider } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import Bottleneck from 'bottleneck';
import { LRUCache } from 'lru-cache';
import pRetry from 'p-retry';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { pino } from 'pino';
import { Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import type { AuthInfo, CallToolResult, ToolArgs, ToolExtra } from '@mcp-middleware/core';
import { auth } from '@mcp-middleware/auth';
import { cache } from '@mcp-middleware/cache';
import { circuitBreaker } from '@mcp-middleware/circuit-breaker';
import { logging } from '@mcp-middleware/logging';
import { metrics } from '@mcp-middleware/metrics';
import { rateLimit } from '@mcp-middleware/ratelimit';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';
import { tracing } from '@mcp-middleware/tracing';
import { validation } from '@mcp-middleware/validation';
import { layeredPipeline, NEVER, type Built, type LayerFactories } from './layers.js';

export { NEVER, type Built } from './layers.js';

/** What the HTTP layer would have put in `extra.authInfo` for a signed-in caller. */
export const benchAuthInfo: AuthInfo = Object.freeze({
  token: 'opaque-access-token',
  clientId: 'bench-client',
  scopes: ['tools:read'],
  expiresAt: Math.floor(Date.now() / 1000) + 86_400,
});

/** The workspace's builds of the ten layers. */
const WORKSPACE_LAYERS: LayerFactories = {
  tracing,
  metrics,
  logging,
  auth,
  rateLimit,
  validation,
  cache,
  retry,
  circuitBreaker,
  timeout,
};

/** Every middleware in the documented order with its defaults (see {@link layeredPipeline}). */
export function fullPipeline(tracerProvider?: TracerProvider, withCache = true): Built {
  return layeredPipeline(WORKSPACE_LAYERS, { tracerProvider, withCache });
}

// Accepts every batch at once: the case measures the SDK's span work, not a network.
const discardingExporter: SpanExporter = {
  export(_spans, done) {
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};

/**
 * An OpenTelemetry SDK tracer provider with a BatchSpanProcessor and an exporter that drops batches.
 * Passed to tracing() rather than registered globally, so the other cases in the process stay clean.
 */
export function otelProvider(): BasicTracerProvider {
  return new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discardingExporter)] });
}

/** The nine layers other than the cache, in the same order. */
export function ninePipeline(): Built {
  return fullPipeline(undefined, false);
}

/** The full pipeline recording spans with the OTel SDK. */
export function fullPipelineOtel(): Built {
  const provider = otelProvider();
  const built = fullPipeline(provider);
  return {
    pipeline: built.pipeline,
    async teardown() {
      await built.teardown();
      await provider.shutdown();
    },
  };
}

// opossum ships no types and bench does not carry @types/opossum: the few members used here.
interface Opossum {
  fire(...args: unknown[]): Promise<unknown>;
  shutdown(): void;
}
const CircuitBreaker = createRequire(import.meta.url)('opossum') as new (
  action: (...args: never[]) => Promise<unknown>,
  options?: Record<string, unknown>,
) => Opossum;

/** A tool handler as the SDK calls it. */
export type Handler = (args: ToolArgs, extra: ToolExtra) => Promise<CallToolResult>;

/** How the glue limits: rate-limiter-flexible's memory limiter (the honest reference), or bottleneck. */
export type GlueLimiter = 'flexible' | 'bottleneck';

/**
 * The same features as {@link fullPipeline}, written the obvious way around one handler with each
 * library's defaults: a span per call from the global API, a prom-client histogram timer and an
 * in-flight gauge, a check of `authInfo`, a rate limit per principal and tool (rate-limiter-flexible's
 * RateLimiterMemory `consume`, or a bottleneck `schedule` per principal for the labelled extra), a zod
 * parse, an lru-cache lookup keyed by JSON, p-retry with its options built per call, an opossum breaker
 * with its default 10 s timeout, and a pino info line per call (pino's default asynchronous destination,
 * opened on /dev/null so the bench's stdout stays JSON).
 */
export function naiveGlue(
  handler: Handler,
  limiter: GlueLimiter = 'flexible',
): { handler: Handler; teardown(): Promise<void> } {
  const tracer = trace.getTracer('naive-glue');
  const registry = new Registry();
  const duration = new Histogram({
    name: 'tool_call_duration_seconds',
    help: 'tool call duration',
    labelNames: ['tool', 'outcome'],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'tool_calls_in_flight',
    help: 'tool calls in flight',
    labelNames: ['tool'],
    registers: [registry],
  });
  const log = pino(pino.destination('/dev/null'));
  const limiters = limiter === 'bottleneck' ? new Bottleneck.Group({ reservoir: NEVER }) : undefined;
  const flexible = new RateLimiterMemory({ points: NEVER, duration: 60 });
  const schema = z.object({ query: z.string().min(1).max(200), limit: z.number().int() });
  const lru = new LRUCache<string, CallToolResult>({ max: 10_000, ttl: 60_000 });
  const breaker = new CircuitBreaker((args: ToolArgs, extra: ToolExtra) => handler(args, extra));

  // The rate limit, then the rest: on rate-limiter-flexible a consume() before the work; on bottleneck
  // the work runs inside schedule().
  const limited = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    if (limiters !== undefined) return limiters.key(key).schedule(work);
    await flexible.consume(key);
    return work();
  };

  async function glued(args: ToolArgs, extra: ToolExtra): Promise<CallToolResult> {
    return tracer.startActiveSpan('tools/call search', async (span) => {
      const end = duration.startTimer({ tool: 'search' });
      inFlight.inc({ tool: 'search' });
      const started = Date.now();
      try {
        const who = extra.authInfo;
        if (who === undefined) throw new Error('unauthenticated');
        const result = await limited(`${who.clientId}:search`, async () => {
          const parsed = schema.parse(args);
          const key = JSON.stringify(['search', who.clientId, parsed]);
          const hit = lru.get(key);
          if (hit !== undefined) return hit;
          const fresh = await pRetry(() => breaker.fire(parsed, extra) as Promise<CallToolResult>, {
            retries: 2,
            signal: extra.signal,
          });
          lru.set(key, fresh);
          return fresh;
        });
        log.info(
          { tool: 'search', requestId: extra.requestId, durationMs: Date.now() - started },
          'tool call',
        );
        end({ outcome: 'success' });
        return result;
      } catch (error) {
        log.warn({ tool: 'search', err: error }, 'tool call failed');
        end({ outcome: 'error' });
        throw error;
      } finally {
        inFlight.dec({ tool: 'search' });
        span.end();
      }
    });
  }

  return {
    handler: glued,
    async teardown() {
      breaker.shutdown();
      await limiters?.disconnect();
      log.flush();
    },
  };
}
