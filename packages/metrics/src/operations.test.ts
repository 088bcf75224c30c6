import {
  ConfigError,
  MiddlewareError,
  createToolRunner,
  defineMiddleware,
  type Middleware,
  type Result,
  type ToolExtra,
} from '@mcp-middleware/core';
import { textResult, createTestExtra } from '@mcp-middleware/core/testing';
import { asNotFound } from '@mcp-middleware/core/helpers';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metrics } from './metrics.js';
import { OPERATION_DURATION } from './names.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });
const count = `${OPERATION_DURATION}_count`;
type Labels = Record<string, string | number | undefined>;

/** Every sample named `name`, as label sets with values. */
async function samples(registry: Registry, name: string): Promise<{ labels: Labels; value: number }[]> {
  const out: { labels: Labels; value: number }[] = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values as { metricName?: string; labels: Labels; value: number }[]) {
      if ((value.metricName ?? metric.name) === name) out.push({ labels: value.labels, value: value.value });
    }
  }
  return out;
}

const revoked = (() => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
})();
const ok = (): Promise<Result> => Promise.resolve({});
const notFound = (): Promise<Result> => Promise.reject(new McpError(-32602, 'not found'));

function setup(pipeline: Middleware[] = [], options: Parameters<typeof metrics>[0] = {}) {
  const m = metrics(options);
  const runner = createToolRunner([m, ...pipeline]);
  const request = (
    operation: string,
    target: string | undefined,
    handler: () => Promise<Result> = ok,
  ): Promise<unknown> => runner.request(operation, {}, target, extra(), handler).catch((e: unknown) => e);
  return { m, runner, registry: m.registry as Registry, request };
}

describe('metrics() on every operation', () => {
  it('records a list with its method as the only label', async () => {
    const { registry, request } = setup();
    await request('tools/list', undefined);
    expect(await samples(registry, count)).toEqual([{ labels: { mcp_method_name: 'tools/list' }, value: 1 }]);
  });

  it('records a prompt get under gen_ai_prompt_name', async () => {
    const { registry, request } = setup();
    await request('prompts/get', 'greet');
    expect(await samples(registry, count)).toEqual([
      { labels: { mcp_method_name: 'prompts/get', gen_ai_prompt_name: 'greet' }, value: 1 },
    ]);
  });

  it('records a resource read without its URI anywhere in the scrape', async () => {
    const { registry, request } = setup();
    await request('resources/read', 'notes://private-7f3a');
    expect(await samples(registry, count)).toEqual([
      { labels: { mcp_method_name: 'resources/read' }, value: 1 },
    ]);
    expect(await registry.metrics()).not.toContain('private-7f3a');
  });

  it('labels a refused read with the code and counts the rejection under the method', async () => {
    const refuse = defineMiddleware('refuse', {
      requests: {
        'resources/read': (ctx) => {
          ctx.emit({ type: 'reject', code: 'FORBIDDEN', source: 'auth' });
          return Promise.reject(new MiddlewareError('FORBIDDEN', 'no'));
        },
      },
    });
    const { registry, request } = setup([refuse]);
    await request('resources/read', 'notes://1');
    expect(await samples(registry, count)).toEqual([
      { labels: { mcp_method_name: 'resources/read', error_type: 'FORBIDDEN' }, value: 1 },
    ]);
    expect(await samples(registry, 'mcp_middleware_rejections_total')).toEqual([
      { labels: { mcp_method_name: 'resources/read', error_type: 'FORBIDDEN' }, value: 1 },
    ]);
  });

  it("labels the SDK's JSON-RPC error with its code", async () => {
    const { registry, request } = setup();
    await request('resources/read', 'notes://nope', notFound);
    expect(await samples(registry, count)).toEqual([
      { labels: { mcp_method_name: 'resources/read', error_type: '-32602' }, value: 1 },
    ]);
  });

  it('gives 10 000 distinct URIs, unknown prompts and unknown tools a bounded number of series', async () => {
    const { registry, request, runner } = setup([], { maxTools: 5 });
    for (let i = 0; i < 10_000; i++) {
      await request('resources/read', `notes://${i}`);
      await request('prompts/get', `made-up-${i}`, notFound);
      await runner.run({ name: `tool_${i}` }, {}, extra(), () => textResult('ok'));
    }
    const series = await samples(registry, count);
    // one read series, one _other prompt series (-32602), five tools and _other
    expect(series.length).toBe(1 + 1 + 6);
    expect(series.filter((s) => s.labels.gen_ai_prompt_name !== undefined)).toEqual([
      {
        labels: { mcp_method_name: 'prompts/get', gen_ai_prompt_name: '_other', error_type: '-32602' },
        value: 10_000,
      },
    ]);
  });

  it('gives a prompt hidden from the caller no label of its own', async () => {
    const hide = defineMiddleware('hide', {
      requests: {
        'prompts/get': () => Promise.reject(asNotFound(new MiddlewareError('FORBIDDEN', 'hidden'))),
      },
    });
    const { registry, request } = setup([hide]);
    await request('prompts/get', 'admin_secret_prompt');
    expect((await samples(registry, count)).map((s) => s.labels.gen_ai_prompt_name)).toEqual(['_other']);
  });

  it('keeps at most maxPrompts prompt names, later ones under _other', async () => {
    const { registry, request } = setup([], { maxPrompts: 2 });
    for (const name of ['a', 'b', 'c', 'd']) await request('prompts/get', name);
    const names = (await samples(registry, count)).map((s) => s.labels.gen_ai_prompt_name);
    expect(names.sort()).toEqual(['_other', 'a', 'b']);
  });

  it('records a read that threw a revoked Proxy as _OTHER, and the request still fails', async () => {
    const { registry, request } = setup();
    const error = await request('resources/read', 'notes://1', () => Promise.reject(revoked));
    expect(error).toBeDefined();
    expect(await samples(registry, count)).toEqual([
      { labels: { mcp_method_name: 'resources/read', error_type: '_OTHER' }, value: 1 },
    ]);
  });

  it('refuses a maxPrompts that is not a positive integer', () => {
    expect(() => metrics({ maxPrompts: 0 })).toThrow(ConfigError);
  });
});

/** A Meter double that records what its one histogram is given. */
function fakeMeter() {
  const records: { value: number; attributes: Attributes | undefined }[] = [];
  const created: { name: string; unit: string | undefined; buckets: number[] | undefined }[] = [];
  const histogram = {
    record: (value: number, attributes?: Attributes) => records.push({ value, attributes }),
  } as unknown as Histogram;
  const meter = {
    createHistogram: (
      name: string,
      options?: { unit?: string; advice?: { explicitBucketBoundaries?: number[] } },
    ) => {
      created.push({ name, unit: options?.unit, buckets: options?.advice?.explicitBucketBoundaries });
      return histogram;
    },
    createCounter: () => undefined,
  } as unknown as Meter;
  return { meter, records, created };
}

describe('metrics({ meter })', () => {
  it('creates mcp.server.operation.duration in seconds with the conventions buckets', () => {
    const { meter, created } = fakeMeter();
    metrics({ meter, buckets: [0.1, 1] });
    expect(created).toEqual([{ name: 'mcp.server.operation.duration', unit: 's', buckets: [0.1, 1] }]);
  });

  it('records tool calls and other requests with the semconv attributes', async () => {
    const { meter, records } = fakeMeter();
    const { runner, request } = setup([], { meter });
    await runner.run({ name: 'search' }, {}, extra(), () => textResult('ok'));
    await request('prompts/get', 'greet');
    await request('resources/read', 'notes://1', notFound);
    expect(records.map((r) => r.attributes)).toEqual([
      {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'search',
        'gen_ai.operation.name': 'execute_tool',
      },
      { 'mcp.method.name': 'prompts/get', 'gen_ai.prompt.name': 'greet' },
      { 'mcp.method.name': 'resources/read', 'error.type': '-32602' },
    ]);
    expect(records.every((r) => r.value >= 0)).toBe(true);
  });

  it('refuses a meter that is not a Meter', () => {
    expect(() => metrics({ meter: {} as Meter })).toThrow(/meter must be an OpenTelemetry Meter or 'global'/);
  });
});
