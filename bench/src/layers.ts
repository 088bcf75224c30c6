/**
 * The documented ten-layer order as one shape, built from a given set of factories: the workspace's for the
 * bench's own cases (pipelines.ts), or an older build's for an A/B in one process (ab.ts). Nothing here
 * imports a package, so loading it does not load the workspace's builds.
 */
import type { TracerProvider } from '@opentelemetry/api';
import type { Middleware } from '@mcp-middleware/core';
import type { Logger } from 'pino';

/** High enough that no call is ever rejected: the cases measure the admitting path. */
export const NEVER = 1_000_000_000;

/** A built pipeline and what stops its timers. */
export interface Built {
  readonly pipeline: Middleware[];
  teardown(): Promise<void>;
}

/** The factories of one build, with only the options the benchmark passes (the same in every revision). */
export interface LayerFactories {
  tracing(options?: { tracerProvider?: TracerProvider }): Middleware;
  metrics(): Middleware;
  logging(options?: { logger?: Logger }): Middleware;
  auth(): Middleware;
  rateLimit(options: { limit: number }): Middleware;
  validation(): Middleware;
  cache(): Middleware;
  retry(): Middleware;
  circuitBreaker(): Middleware & { shutdown(): void };
  timeout(): Middleware;
}

/**
 * Every middleware in the documented order with its defaults: memory stores, a fresh metrics Registry,
 * logging at its default level (info: a successful call writes no line), tracing on the given provider
 * or, without one, the global API with no SDK registered.
 */
export function layeredPipeline(
  layers: LayerFactories,
  options: { tracerProvider?: TracerProvider | undefined; withCache: boolean },
): Built {
  const breaker = layers.circuitBreaker();
  const { tracerProvider } = options;
  return {
    pipeline: [
      layers.tracing(tracerProvider === undefined ? {} : { tracerProvider }),
      layers.metrics(),
      layers.logging(),
      layers.auth(),
      layers.rateLimit({ limit: NEVER }),
      layers.validation(),
      ...(options.withCache ? [layers.cache()] : []),
      layers.retry(),
      breaker,
      layers.timeout(),
    ],
    teardown() {
      breaker.shutdown();
      return Promise.resolve();
    },
  };
}
