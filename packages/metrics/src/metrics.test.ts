import {
  ConfigError,
  ERROR_META_KEY,
  EventChannel,
  MiddlewareError,
  createToolRunner,
  toToolResult,
  type MiddlewareEvent,
  type Middleware,
  type ToolExtra,
} from '@mcp-middleware/core';
import { createTestContext, createTestExtra, textResult } from '@mcp-middleware/core/testing';
import { Counter, Registry, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metrics } from './metrics.js';
import { CALLS_IN_FLIGHT, DEFAULT_BUCKETS, METRIC_NAMES, OPERATION_DURATION } from './names.js';

const extra = (overrides: Partial<ToolExtra> = {}): ToolExtra =>
  createTestExtra({ requestId: 1, ...overrides });

type Labels = Record<string, string | number | undefined>;

/** The value of one sample (`name` as written, e.g. `x_count`) whose labels are exactly `labels`. */
async function sample(registry: Registry, name: string, labels: Labels): Promise<number | undefined> {
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values as { metricName?: string; labels: Labels; value: number }[]) {
      const sampleName = value.metricName ?? metric.name;
      const same =
        Object.keys(labels).length === Object.keys(value.labels).length &&
        Object.entries(labels).every(([k, v]) => value.labels[k] === v);
      if (sampleName === name && same) return value.value;
    }
  }
  return undefined;
}

const call = { mcp_method_name: 'tools/call' } as const;
const count = `${OPERATION_DURATION}_count`;

/** Runs one call of `tool` through `pipeline` (outermost first) around `handler`. */
async function runCall(
  pipeline: Middleware[],
  handler: () => Promise<ReturnType<typeof textResult>> | ReturnType<typeof textResult> = () =>
    textResult('ok'),
  tool = 'search',
  events?: EventChannel,
): Promise<void> {
  await createToolRunner(pipeline, events === undefined ? {} : { events }).run(
    { name: tool },
    {},
    extra(),
    handler,
  );
}

const emitting =
  (...events: MiddlewareEvent[]): Middleware =>
  (ctx, next) => {
    for (const event of events) ctx.emit(event);
    return next();
  };

describe('metrics', () => {
  it('records a successful call in the duration histogram without an error_type label', async () => {
    const m = metrics();
    await runCall([m]);
    expect(await sample(m.registry as Registry, count, { ...call, gen_ai_tool_name: 'search' })).toBe(1);
  });

  it('labels an isError answer error_type tool_error', async () => {
    const m = metrics();
    await runCall([m], () => ({ ...textResult('file not found'), isError: true }));
    const labels = { ...call, gen_ai_tool_name: 'search', error_type: 'tool_error' };
    expect(await sample(m.registry as Registry, count, labels)).toBe(1);
  });

  it('labels a thrown MiddlewareError with its code', async () => {
    const m = metrics();
    const limit: Middleware = () => Promise.reject(new MiddlewareError('RATE_LIMITED', 'slow down'));
    await runCall([m, limit]);
    const labels = { ...call, gen_ai_tool_name: 'search', error_type: 'RATE_LIMITED' };
    expect(await sample(m.registry as Registry, count, labels)).toBe(1);
  });

  it('rethrows the very error object it saw', async () => {
    const m = metrics();
    const error = new MiddlewareError('FORBIDDEN', 'no');
    await expect(m(createTestContext(), () => Promise.reject(error))).rejects.toBe(error);
  });

  it('labels an unknown thrown error _OTHER', async () => {
    const m = metrics();
    await runCall([m], () => Promise.reject(new Error('boom')));
    const labels = { ...call, gen_ai_tool_name: 'search', error_type: '_OTHER' };
    expect(await sample(m.registry as Registry, count, labels)).toBe(1);
  });

  it('labels an isError result that carries a middleware error detail with that code', async () => {
    const m = metrics();
    await runCall([m], () => toToolResult(new MiddlewareError('TIMEOUT', 'took too long')));
    const labels = { ...call, gen_ai_tool_name: 'search', error_type: 'TIMEOUT' };
    expect(await sample(m.registry as Registry, count, labels)).toBe(1);
  });

  it('labels a relayed isError result whose _meta carries an unknown code as a tool error', async () => {
    const m = metrics();
    const relayed = {
      ...textResult('upstream failed'),
      isError: true,
      _meta: { [ERROR_META_KEY]: { code: 'req-91f3-UNBOUNDED', retryable: false } },
    };
    await runCall([m], () => relayed);
    // Core admits only its own codes from a result's _meta, so an unknown one is just an isError answer.
    const labels = { ...call, gen_ai_tool_name: 'search', error_type: 'tool_error' };
    expect(await sample(m.registry as Registry, count, labels)).toBe(1);
    expect(await m.registry.metrics()).not.toContain('req-91f3');
  });

  it('uses the buckets of the MCP conventions by default', async () => {
    const m = metrics();
    await runCall([m]);
    const [histogram] = await m.registry.getMetricsAsJSON();
    const bounds = (histogram?.values as unknown as { metricName: string; labels: Labels }[])
      .filter((v) => v.metricName === `${OPERATION_DURATION}_bucket`)
      .map((v) => v.labels.le);
    expect(bounds).toEqual([...DEFAULT_BUCKETS, '+Inf']);
  });

  it('counts a call in flight while it runs and not after', async () => {
    const m = metrics();
    let release!: () => void;
    const running = runCall([m], () => new Promise((resolve) => (release = () => resolve(textResult('ok')))));
    await Promise.resolve();
    const registry = m.registry as Registry;
    expect(await sample(registry, CALLS_IN_FLIGHT, { gen_ai_tool_name: 'search' })).toBe(1);
    release();
    await running;
    expect(await sample(registry, CALLS_IN_FLIGHT, { gen_ai_tool_name: 'search' })).toBe(0);
  });

  it('gives tools beyond maxTools the shared _other label', async () => {
    const m = metrics({ maxTools: 2 });
    for (const tool of ['a', 'b', 'c', 'd']) await runCall([m], undefined, tool);
    const registry = m.registry as Registry;
    expect(await sample(registry, count, { ...call, gen_ai_tool_name: 'b' })).toBe(1);
    expect(await sample(registry, count, { ...call, gen_ai_tool_name: 'c' })).toBeUndefined();
    expect(await sample(registry, count, { ...call, gen_ai_tool_name: '_other' })).toBe(2);
  });

  it('counts reject events by tool and code', async () => {
    const m = metrics();
    await runCall([m, emitting({ type: 'reject', code: 'RATE_LIMITED', source: 'rateLimit' })]);
    const labels = { ...call, gen_ai_tool_name: 'search', error_type: 'RATE_LIMITED' };
    expect(await sample(m.registry as Registry, 'mcp_middleware_rejections_total', labels)).toBe(1);
  });

  it('counts a call whose attempts were rejected three times as one rejection, under its first code', async () => {
    const m = metrics();
    const timeout = { type: 'reject', code: 'TIMEOUT', source: 'timeout' } as const;
    await runCall([
      m,
      emitting(timeout, timeout, { type: 'reject', code: 'CIRCUIT_OPEN', source: 'circuitBreaker' }),
    ]);
    await runCall([m, emitting(timeout)]);
    const registry = m.registry as Registry;
    const name = 'mcp_middleware_rejections_total';
    expect(await sample(registry, name, { ...call, gen_ai_tool_name: 'search', error_type: 'TIMEOUT' })).toBe(
      2,
    );
    expect(
      await sample(registry, name, { ...call, gen_ai_tool_name: 'search', error_type: 'CIRCUIT_OPEN' }),
    ).toBeUndefined();
    expect(await sample(registry, count, { ...call, gen_ai_tool_name: 'search' })).toBe(2);
  });

  it('counts the same rejected call once in each of two registries', async () => {
    const a = metrics();
    const b = metrics();
    const timeout = { type: 'reject', code: 'TIMEOUT', source: 'timeout' } as const;
    await runCall([a, b, emitting(timeout, timeout)]);
    const labels = { ...call, gen_ai_tool_name: 'search', error_type: 'TIMEOUT' };
    expect(await sample(a.registry as Registry, 'mcp_middleware_rejections_total', labels)).toBe(1);
    expect(await sample(b.registry as Registry, 'mcp_middleware_rejections_total', labels)).toBe(1);
  });

  it('counts retry events per tool', async () => {
    const m = metrics();
    const retry = { type: 'retry', attempt: 1, delayMs: 10, code: 'TIMEOUT' } as const;
    await runCall([m, emitting(retry, { ...retry, attempt: 2 })]);
    const value = await sample(m.registry as Registry, 'mcp_middleware_retries_total', {
      ...call,
      gen_ai_tool_name: 'search',
    });
    expect(value).toBe(2);
  });

  it('counts cache events by result', async () => {
    const m = metrics();
    await runCall([m, emitting({ type: 'cache', result: 'hit' })]);
    await runCall([m, emitting({ type: 'cache', result: 'miss' })]);
    const name = 'mcp_middleware_cache_requests_total';
    const registry = m.registry as Registry;
    expect(await sample(registry, name, { ...call, gen_ai_tool_name: 'search', result: 'hit' })).toBe(1);
    expect(await sample(registry, name, { ...call, gen_ai_tool_name: 'search', result: 'miss' })).toBe(1);
  });

  it('reports the open breakers of a tool and forgets a breaker once it closes', async () => {
    const m = metrics();
    const channel = new EventChannel();
    const pipeline = [m];
    await runCall(pipeline, undefined, 'search', channel);
    const registry = m.registry as Registry;
    const open = { ...call, gen_ai_tool_name: 'search', state: 'open' };
    channel.emit({ type: 'breaker', key: 'search', tool: 'search', state: 'open' });
    expect(await sample(registry, 'mcp_middleware_circuit_breakers', open)).toBe(1);
    channel.emit({ type: 'breaker', key: 'search', tool: 'search', state: 'half-open' });
    expect(await sample(registry, 'mcp_middleware_circuit_breakers', open)).toBe(0);
    expect(await sample(registry, 'mcp_middleware_circuit_breakers', { ...open, state: 'half-open' })).toBe(
      1,
    );
    channel.emit({ type: 'breaker', key: 'search', tool: 'search', state: 'closed' });
    expect(await sample(registry, 'mcp_middleware_circuit_breakers', { ...open, state: 'half-open' })).toBe(
      0,
    );
  });

  it('leaves out the tool label for a breaker that belongs to no tool', async () => {
    const m = metrics();
    const channel = new EventChannel();
    await runCall([m], undefined, 'search', channel);
    channel.emit({ type: 'breaker', key: 'upstream', tool: undefined, state: 'open' });
    expect(await sample(m.registry as Registry, 'mcp_middleware_circuit_breakers', { state: 'open' })).toBe(
      1,
    );
  });

  it('counts an event once when two pipelines share one channel', async () => {
    const m = metrics();
    const channel = new EventChannel();
    createToolRunner([m], { events: channel });
    await runCall([m, emitting({ type: 'cache', result: 'hit' })], undefined, 'search', channel);
    const labels = { ...call, gen_ai_tool_name: 'search', result: 'hit' };
    expect(await sample(m.registry as Registry, 'mcp_middleware_cache_requests_total', labels)).toBe(1);
  });

  it('never registers on the global prom-client registry', () => {
    metrics();
    expect(register.getSingleMetric(OPERATION_DURATION)).toBeUndefined();
  });

  it('writes to the registry it is given', async () => {
    const registry = new Registry();
    await runCall([metrics({ registry })]);
    expect(await sample(registry, count, { ...call, gen_ai_tool_name: 'search' })).toBe(1);
  });

  it('shares one set of series between two metrics() on the same registry', async () => {
    const registry = new Registry();
    await runCall([metrics({ registry })]);
    await runCall([metrics({ registry })]);
    expect(await sample(registry, count, { ...call, gen_ai_tool_name: 'search' })).toBe(2);
  });

  it('refuses a second metrics() on one registry with other buckets', () => {
    const registry = new Registry();
    metrics({ registry });
    expect(() => metrics({ registry, buckets: [1, 2] })).toThrow(ConfigError);
  });

  it('refuses a registry that already holds a metric of the same name', () => {
    const registry = new Registry();
    new Counter({ name: 'mcp_middleware_retries_total', help: 'theirs', registers: [registry] });
    expect(() => metrics({ registry })).toThrow(/already holds a metric named mcp_middleware_retries_total/);
    expect(registry.getSingleMetric(OPERATION_DURATION)).toBeUndefined();
  });

  it.each([
    [{ maxTools: 0 }, 'maxTools'],
    [{ maxTools: 1.5 }, 'maxTools'],
    [{ buckets: [] }, 'buckets'],
    [{ buckets: [0.5, 0.1] }, 'buckets'],
    [{ buckets: [0, 1] }, 'buckets'],
    [{ buckets: ['1'] }, 'buckets'],
    [{ registry: {} }, 'registry'],
    [{ regsitry: new Registry() }, 'regsitry'],
  ])('rejects %o with a ConfigError naming %s', (options, path) => {
    expect(() => metrics(options as never)).toThrow(expect.objectContaining({ name: 'ConfigError', path }));
  });

  it('registers every metric it documents', () => {
    const m = metrics();
    expect(m.registry.getMetricsAsArray().map((metric) => metric.name)).toEqual([...METRIC_NAMES]);
  });

  it('puts no request id, session id, argument or token into any label', async () => {
    const m = metrics();
    const secretExtra = extra({
      requestId: 'req-7f3a',
      sessionId: 'sess-91bc',
      authInfo: { token: 'tok-5e2d', clientId: 'client-44aa', scopes: [] },
    });
    const pipeline = [m, emitting({ type: 'reject', code: 'FORBIDDEN', source: 'auth' })];
    await createToolRunner(pipeline).run({ name: 'search' }, { query: 'arg-0c1d' }, secretExtra, () =>
      textResult('ok'),
    );
    const text = await m.registry.metrics();
    for (const secret of ['req-7f3a', 'sess-91bc', 'tok-5e2d', 'client-44aa', 'arg-0c1d']) {
      expect(text).not.toContain(secret);
    }
  });
});
