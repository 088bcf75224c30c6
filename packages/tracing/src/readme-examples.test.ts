// The README's snippets, verbatim, run against the real SDK: if they stop compiling or working, this fails.
// #region imports
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { tracing } from '@mcp-middleware/tracing';
import { z } from 'zod';
// #endregion
// #region sdk-imports
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
// #endregion
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { connectInMemory } from '@mcp-middleware/core/testing';

// #region smallest-usage
function createServer(): McpServer {
  const server = withMiddleware(new McpServer({ name: 'weather', version: '1.0.0' }), [tracing()]);
  server.registerTool('forecast', { inputSchema: { city: z.string() } }, ({ city }) => ({
    content: [{ type: 'text', text: `Sunny in ${city}` }],
  }));
  return server;
}
// #endregion

// #region sdk-setup
function startTracing(exporter: SpanExporter): BasicTracerProvider {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  return provider;
}
// #endregion

// #region client-propagation
async function forecastWithTrace(client: Client, city: string): Promise<CallToolResult> {
  const _meta: Record<string, string> = {};
  propagation.inject(context.active(), _meta); // traceparent, tracestate, baggage
  return (await client.callTool({ name: 'forecast', arguments: { city }, _meta })) as CallToolResult;
}
// #endregion

// #region captures
const traced = tracing({
  captureArguments: (args) => ({ ...args, apiKey: undefined }), // record a copy without the key
  captureResult: true,
  maxCaptureLength: 512,
});
// #endregion

afterEach(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('README examples', () => {
  it('traces a tool call whose parent the client sent in _meta', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = startTracing(exporter);
    const { client, close } = await connectInMemory(createServer());
    const caller = trace.getTracer('agent').startSpan('plan trip');
    const result = await context.with(trace.setSpan(context.active(), caller), () =>
      forecastWithTrace(client, 'Paris'),
    );
    caller.end();
    await close();
    await provider.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'tools/call forecast');
    expect(result.content).toEqual([{ type: 'text', text: 'Sunny in Paris' }]);
    expect(span?.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    await provider.shutdown();
  });

  it('records a redacted copy of the arguments and the result', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = startTracing(exporter);
    const server = withMiddleware(new McpServer({ name: 'geo', version: '1.0.0' }), [traced]);
    server.registerTool('geocode', { inputSchema: { city: z.string(), apiKey: z.string() } }, ({ city }) => ({
      content: [{ type: 'text', text: `${city}: 48.85,2.35` }],
    }));
    const { client, close } = await connectInMemory(server);
    await client.callTool({ name: 'geocode', arguments: { city: 'Paris', apiKey: 'k-123' } });
    await close();
    await provider.forceFlush();
    const attributes = exporter.getFinishedSpans()[0]?.attributes;
    expect(attributes?.['gen_ai.tool.call.arguments']).toBe('{"city":"Paris"}');
    expect(attributes?.['gen_ai.tool.call.result']).toBe('[{"type":"text","text":"Paris: 48.85,2.35"}]');
    await provider.shutdown();
  });
});
