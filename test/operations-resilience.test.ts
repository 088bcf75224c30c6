// Every operation measured, and retry, timeout and circuitBreaker on resource reads and prompt gets, on a
// real McpServer and Client; label cardinality under 10 000 caller-chosen names; the OTel meter path on a
// real MeterProvider.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_META_KEY, withMiddleware, type Middleware } from '@mcp-middleware/core';
import {
  connectInMemory,
  manualClock,
  type InMemoryConnection,
  type ManualClock,
} from '@mcp-middleware/core/testing';
import { circuitBreaker, type CircuitBreakerMiddleware } from '@mcp-middleware/circuit-breaker';
import { metrics } from '@mcp-middleware/metrics';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import type { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

const open: InMemoryConnection[] = [];
const breakers: CircuitBreakerMiddleware[] = [];
afterEach(async () => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** A server with a prompt, a static resource and a template; `read` and `prompt` decide the answers. */
function newServer(handlers: {
  read?: (uri: string, signal: AbortSignal) => Promise<string> | string;
  prompt?: (signal: AbortSignal) => Promise<string> | string;
}): McpServer {
  const server = new McpServer({ name: 'operations-resilience', version: '1.0.0' });
  const read = handlers.read ?? ((uri: string) => `contents of ${uri}`);
  const prompt = handlers.prompt ?? (() => 'hello');
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  // Without an argsSchema the SDK calls the callback with extra alone; its types say (args, extra).
  server.registerPrompt('greet', {}, async (...args: unknown[]) => ({
    messages: [
      {
        role: 'user',
        content: { type: 'text', text: await prompt((args.at(-1) as { signal: AbortSignal }).signal) },
      },
    ],
  }));
  server.registerResource(
    'notes',
    new ResourceTemplate('notes://{id}', { list: undefined }),
    {},
    async (uri, _vars, extra) => ({
      contents: [{ uri: uri.href, text: await read(uri.href, extra.signal) }],
    }),
  );
  return server;
}

async function connect(server: McpServer, pipeline: Middleware[], clock?: ManualClock) {
  withMiddleware(server, pipeline, clock === undefined ? {} : { clock });
  const connection = await connectInMemory(server);
  open.push(connection);
  return connection.client;
}

/** Settles `promise` while moving the manual clock, then returns what it resolved or rejected with. */
async function drive<T>(clock: ManualClock, promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let done = false;
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void settled.then(() => (done = true));
  for (let i = 0; i < 100 && !done; i++) await clock.advance(100);
  return settled;
}

type Labels = Record<string, string | number | undefined>;
async function counts(registry: Registry): Promise<{ labels: Labels; value: number }[]> {
  const metric = (await registry.getMetricsAsJSON()).find(
    (m) => m.name === 'mcp_server_operation_duration_seconds',
  );
  return ((metric?.values ?? []) as { metricName?: string; labels: Labels; value: number }[])
    .filter((v) => v.metricName === 'mcp_server_operation_duration_seconds_count')
    .map((v) => ({ labels: v.labels, value: v.value }));
}

describe('metrics() on every operation of a real server', () => {
  it('gives tools/list, resources/read and prompts/get each a sample with its method label', async () => {
    const observe = metrics();
    const client = await connect(newServer({}), [observe]);
    await client.listTools();
    await client.readResource({ uri: 'notes://1' });
    await client.getPrompt({ name: 'greet' });
    expect(await counts(observe.registry as Registry)).toEqual(
      expect.arrayContaining([
        { labels: { mcp_method_name: 'tools/list' }, value: 1 },
        { labels: { mcp_method_name: 'resources/read' }, value: 1 },
        { labels: { mcp_method_name: 'prompts/get', gen_ai_prompt_name: 'greet' }, value: 1 },
      ]),
    );
  });

  it('gives malformed params and a huge unknown name a sample under bounded labels', async () => {
    const observe = metrics();
    const client = await connect(newServer({}), [observe]);
    const huge = 'x'.repeat(100_000);
    await client
      .request({ method: 'resources/read', params: { uri: 42 } }, CallToolRequestSchema.pick({}))
      .catch(() => undefined);
    await client
      .request({ method: 'prompts/get', params: { name: huge } }, CallToolRequestSchema.pick({}))
      .catch(() => undefined);
    const series = await counts(observe.registry as Registry);
    expect(series).toEqual(
      expect.arrayContaining([
        // The SDK's schema rejects uri: 42 with a ZodError (no JSON-RPC code yet): core's _OTHER.
        { labels: { mcp_method_name: 'resources/read', error_type: '_OTHER' }, value: 1 },
        {
          labels: { mcp_method_name: 'prompts/get', gen_ai_prompt_name: '_other', error_type: '-32602' },
          value: 1,
        },
      ]),
    );
    expect(await (observe.registry as Registry).metrics()).not.toContain('xxxxxxxx');
  });

  it('keeps 10 000 distinct resource URIs and unknown tool names to a bounded number of series', async () => {
    const observe = metrics({ maxTools: 10 });
    const client = await connect(newServer({}), [observe]);
    for (let i = 0; i < 10_000; i++) {
      await client.readResource({ uri: `notes://${i}` });
      await client.callTool({ name: `made_up_${i}` }).catch(() => undefined);
    }
    const series = await counts(observe.registry as Registry);
    // one resources/read series; ten tool names, then _other (both with the SDK's -32602)
    expect(series.length).toBeLessThanOrEqual(1 + 11);
    expect(series.filter((s) => s.labels.mcp_method_name === 'resources/read')).toEqual([
      { labels: { mcp_method_name: 'resources/read' }, value: 10_000 },
    ]);
    expect(series.reduce((sum, s) => sum + s.value, 0)).toBe(20_000);
    expect(await (observe.registry as Registry).metrics()).not.toContain('notes://');
  });
});

describe('retry, timeout and circuitBreaker on reads and prompt gets', () => {
  it('heals a flaky resource read with retry()', async () => {
    const clock = manualClock();
    let calls = 0;
    const server = newServer({
      read: (uri) => {
        if (++calls === 1) throw new Error('ECONNRESET');
        return `contents of ${uri}`;
      },
    });
    const client = await connect(server, [retry({ backoff: () => 100 })], clock);
    const outcome = await drive(clock, client.readResource({ uri: 'notes://1' }));
    expect(outcome.value?.contents).toEqual([{ uri: 'notes://1', text: 'contents of notes://1' }]);
    expect(calls).toBe(2);
  });

  it('answers a slow prompts/get with the JSON-RPC TIMEOUT -32001 from timeout()', async () => {
    const clock = manualClock();
    let aborted = false;
    const server = newServer({
      prompt: (signal) =>
        new Promise<string>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason as Error);
          });
        }),
    });
    const client = await connect(server, [timeout({ timeoutMs: 1000 })], clock);
    const { error } = await drive(clock, client.getPrompt({ name: 'greet' }));
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32001);
    expect((error as McpError).message).toContain('prompt `greet` did not answer within 1000 ms');
    expect(aborted).toBe(true);
  });

  it('opens a breaker for a failing resource and answers CIRCUIT_OPEN as a JSON-RPC error', async () => {
    const clock = manualClock();
    let calls = 0;
    const server = newServer({
      read: () => {
        calls++;
        throw new Error('upstream down');
      },
    });
    const breaker = circuitBreaker({ volumeThreshold: 3, clock });
    breakers.push(breaker);
    const observe = metrics();
    const client = await connect(server, [observe, breaker], clock);
    for (let i = 0; i < 3; i++) await client.readResource({ uri: `notes://${i}` }).catch(() => undefined);
    const error = await client.readResource({ uri: 'notes://other' }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32603);
    expect((error as McpError).data).toMatchObject({ [ERROR_META_KEY]: { code: 'CIRCUIT_OPEN' } });
    const text = await (observe.registry as Registry).metrics();
    expect(text).toContain(
      'mcp_middleware_circuit_breakers{mcp_method_name="resources/read",state="open"} 1',
    );
    expect(text).toContain(
      'mcp_server_operation_duration_seconds_count{mcp_method_name="resources/read",error_type="CIRCUIT_OPEN"} 1',
    );
  });

  it("leaves reads alone with operations ['tools/call']", async () => {
    const clock = manualClock();
    let calls = 0;
    const server = newServer({
      read: () => {
        calls++;
        throw new Error('ECONNRESET');
      },
    });
    const client = await connect(server, [retry({ operations: ['tools/call'] })], clock);
    const { error } = await drive(clock, client.readResource({ uri: 'notes://1' }));
    expect(error).toBeInstanceOf(McpError);
    expect(calls).toBe(1);
  });
});

/** A reader the test collects on demand. */
class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('metrics({ meter }) on a real OpenTelemetry MeterProvider', () => {
  it('exports mcp.server.operation.duration in seconds with the semconv attributes', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const observe = metrics({ meter: provider.getMeter('test') });
    const client = await connect(newServer({}), [observe]);
    await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    await client.readResource({ uri: 'notes://1' });
    await client.getPrompt({ name: 'greet' });
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics[0]?.metrics.find(
      (m) => m.descriptor.name === 'mcp.server.operation.duration',
    );
    expect(metric?.descriptor.unit).toBe('s');
    const points = (metric?.dataPoints ?? []) as DataPoint<Histogram>[];
    expect(points.map((p) => p.attributes)).toEqual(
      expect.arrayContaining([
        {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': 'echo',
          'gen_ai.operation.name': 'execute_tool',
        },
        { 'mcp.method.name': 'resources/read' },
        { 'mcp.method.name': 'prompts/get', 'gen_ai.prompt.name': 'greet' },
      ]),
    );
    expect(points[0]?.value.buckets.boundaries).toEqual([
      0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
    ]);
    await provider.shutdown();
  });
});
