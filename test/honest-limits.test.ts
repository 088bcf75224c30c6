// Honest time limits and counts, on a real McpServer and Client: a slow read-only tool under the default
// retry() and timeout({ timeoutMs: 2000 }) tells the client how many attempts ran; retry's totalTimeoutMs
// bounds the whole call; /metrics counts one rejection per call, so the McpRejectionRatioHigh ratio
// (rejections over calls) never exceeds 1. The manual clock drives every deadline and wait.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_META_KEY, withMiddleware, type ErrorDetail, type Middleware } from '@mcp-middleware/core';
import {
  connectInMemory,
  manualClock,
  type InMemoryConnection,
  type ManualClock,
} from '@mcp-middleware/core/testing';
import { metrics, type MetricsMiddleware } from '@mcp-middleware/metrics';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';

// #region overall-deadline
// Each attempt gets 2 s; the whole call, waits included, 5 s.
const bounded = [retry({ totalTimeoutMs: 5_000 }), timeout({ timeoutMs: 2_000 })];
// #endregion

const connections: InMemoryConnection[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
});

interface Setup {
  readonly clock: ManualClock;
  readonly metrics: MetricsMiddleware;
  readonly attempts: () => number;
  /** Calls `slow` and runs the clock until the answer; returns it and the virtual time it took. */
  call(): Promise<{ result: CallToolResult; elapsedMs: number }>;
}

/** A server whose read-only tool `slow` never answers (its signal aborts, it does not care). */
async function setup(pipeline: (clock: ManualClock) => Middleware[]): Promise<Setup> {
  const clock = manualClock();
  const m = metrics();
  const server = new McpServer({ name: 'honest', version: '1.0.0' });
  withMiddleware(server, [m, ...pipeline(clock)], { clock });
  let attempts = 0;
  server.registerTool('slow', { annotations: { readOnlyHint: true } }, () => {
    attempts++;
    return new Promise<CallToolResult>(() => undefined);
  });
  const connection = await connectInMemory(server);
  connections.push(connection);
  return {
    clock,
    metrics: m,
    attempts: () => attempts,
    async call() {
      const started = clock.now();
      let result: CallToolResult | undefined;
      void connection.client.callTool({ name: 'slow' }).then((r) => (result = r as CallToolResult));
      for (let i = 0; i < 100 && result === undefined; i++) {
        if (!(await clock.runNext())) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return { result: result ?? expect.fail('never answered'), elapsedMs: clock.now() - started };
    },
  };
}

const text = (result: CallToolResult): string => (result.content[0] as { text: string }).text;
const detail = (result: CallToolResult): ErrorDetail => result._meta?.[ERROR_META_KEY] as ErrorDetail;

/** Sums the samples of `name` in the registry, optionally only those with `labels`. */
async function total(
  m: MetricsMiddleware,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  let sum = 0;
  for (const metric of await m.registry.getMetricsAsJSON()) {
    for (const value of metric.values as {
      metricName?: string;
      labels: Record<string, unknown>;
      value: number;
    }[]) {
      if ((value.metricName ?? metric.name) !== name) continue;
      if (Object.entries(labels).every(([k, v]) => value.labels[k] === v)) sum += value.value;
    }
  }
  return sum;
}

describe('a slow read-only tool under retry() and timeout({ timeoutMs: 2000 })', () => {
  it('says how many attempts ran, for how long, and that 2000 ms was the limit of the last', async () => {
    const h = await setup(() => [retry(), timeout({ timeoutMs: 2_000 })]);
    const { result } = await h.call();
    expect(h.attempts()).toBe(3);
    expect(detail(result)).toMatchObject({ code: 'TIMEOUT', retryable: true, data: { attempts: 3 } });
    expect(text(result)).toMatch(
      /^3 attempts in \d+ ms failed \(no retries left\); the last: tool `slow` did not answer within 2000 ms/,
    );
  });

  it('counts one TIMEOUT rejection for one call, so rejections over calls is 1, not 3', async () => {
    const h = await setup(() => [retry(), timeout({ timeoutMs: 2_000 })]);
    await h.call();
    await h.call();
    const rejections = await total(h.metrics, 'mcp_middleware_rejections_total', { error_type: 'TIMEOUT' });
    const calls = await total(h.metrics, 'mcp_server_operation_duration_seconds_count');
    expect({ rejections, calls }).toEqual({ rejections: 2, calls: 2 });
    expect(await total(h.metrics, 'mcp_middleware_retries_total')).toBe(4);
  });

  it('ends the whole call at retry’s totalTimeoutMs, saying so, and still counts one rejection', async () => {
    const h = await setup(() => bounded);
    const { result, elapsedMs } = await h.call();
    expect(elapsedMs).toBeLessThanOrEqual(5_000);
    expect(detail(result)).toMatchObject({ code: 'TIMEOUT', data: { totalTimeoutMs: 5_000 } });
    expect(text(result)).toContain("did not answer within the call's overall time limit of 5000 ms");
    expect(await total(h.metrics, 'mcp_middleware_rejections_total')).toBe(1);
    expect(await total(h.metrics, 'mcp_server_operation_duration_seconds_count')).toBe(1);
  });

  it('ends the call at an outer timeout() above retry with that deadline’s own TIMEOUT, counted once', async () => {
    const h = await setup(() => [
      timeout({ timeoutMs: 5_000 }),
      retry({ retries: 5 }),
      timeout({ timeoutMs: 2_000 }),
    ]);
    const { result, elapsedMs } = await h.call();
    expect(elapsedMs).toBe(5_000);
    expect(text(result)).toMatch(/^tool `slow` did not answer within 5000 ms/);
    expect(await total(h.metrics, 'mcp_middleware_rejections_total')).toBe(1);
  });
});
