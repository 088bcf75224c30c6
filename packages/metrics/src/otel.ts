/** The OpenTelemetry side of metrics(): `mcp.server.operation.duration` through the meter API. */
import { createRequire } from 'node:module';
import { ConfigError } from '@mcp-middleware/core';
import type { Histogram, Meter } from '@opentelemetry/api';
import { OTEL_OPERATION_DURATION } from './names.js';

/** The meter to record through: yours, or `'global'` for the meter provider registered with @opentelemetry/api. */
export type MeterOption = Meter | 'global';

const SCOPE = '@mcp-middleware/metrics';

function isMeter(value: unknown): value is Meter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Meter).createHistogram === 'function' &&
    typeof (value as Meter).createCounter === 'function'
  );
}

// @opentelemetry/api is an optional peer: loaded only when asked for, synchronously (factories are sync).
function globalMeter(): Meter {
  let api: { metrics: { getMeter(name: string): Meter } };
  try {
    api = createRequire(import.meta.url)('@opentelemetry/api') as typeof api;
  } catch (cause) {
    throw new ConfigError(
      'meter',
      "metrics: meter 'global' needs @opentelemetry/api installed (pnpm add @opentelemetry/api)",
      { cause },
    );
  }
  return api.metrics.getMeter(SCOPE);
}

/**
 * The duration histogram on `option`'s meter, with the conventions' unit and advisory buckets; undefined
 * without the option. `'global'` reads the global meter provider now: register your SDK's MeterProvider
 * before building the pipeline.
 */
export function otelHistogram(
  option: unknown,
  buckets: readonly number[],
  fail: (expected: string) => never,
): Histogram | undefined {
  if (option === undefined) return undefined;
  let meter: Meter;
  if (option === 'global') meter = globalMeter();
  else if (isMeter(option)) meter = option;
  else fail("an OpenTelemetry Meter or 'global'");
  return meter.createHistogram(OTEL_OPERATION_DURATION, {
    unit: 's',
    description: 'Duration of MCP requests handled by the server.',
    advice: { explicitBucketBoundaries: [...buckets] },
  });
}
