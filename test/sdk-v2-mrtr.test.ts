// 2026-07-28 multi-round-trip requests (input_required) through the full pipeline on SDK v2: the answer
// passes every middleware untouched, each round is a new call, nothing caches, retries or counts it as a
// success or a failure, and its requestState reaches no log line and no span.
import { inputRequired } from '@modelcontextprotocol/server';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createToolRunner, withMiddleware } from '@mcp-middleware/core';
import { cache } from '@mcp-middleware/cache';
import { circuitBreaker } from '@mcp-middleware/circuit-breaker';
import { logging } from '@mcp-middleware/logging';
import { metrics } from '@mcp-middleware/metrics';
import { rateLimit } from '@mcp-middleware/ratelimit';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';
import { tracing } from '@mcp-middleware/tracing';
import { McpServer, connectV2, type V2Connection } from './helpers/sdk-v2.js';

const SECRET_STATE = 'round-state-7f3a9c';
const open: V2Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe('an input_required answer on the 2026-07-28 wire, through the full pipeline', () => {
  it('reaches the client untouched and is counted as its own outcome by every layer', async () => {
    const lines: Record<string, unknown>[] = [];
    const raw: string[] = [];
    const logger = pino(
      { level: 'debug' },
      {
        write(text: string) {
          raw.push(text);
          lines.push(JSON.parse(text) as Record<string, unknown>);
        },
      },
    );
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const registry = new Registry();
    const runner = createToolRunner([
      tracing({ tracerProvider: provider, captureResult: (result) => result }),
      metrics({ registry }),
      logging({ logger }),
      rateLimit({ limit: 100, windowMs: 60_000 }),
      cache({ ttlMs: 60_000 }),
      retry({ retries: 3, backoff: () => 0 }),
      circuitBreaker(),
      timeout({ timeoutMs: 5_000 }),
    ]);
    const rounds: string[] = [];
    const factory = (): McpServer => {
      const server = new McpServer({ name: 'mrtr', version: '1.0.0' });
      server.registerTool(
        'confirm_delete',
        { annotations: { readOnlyHint: true, idempotentHint: true } },
        (ctx) => {
          const answer = ctx.mcpReq.inputResponses?.confirm as { action?: string } | undefined;
          rounds.push(answer === undefined ? 'ask' : `answered:${answer.action}`);
          if (answer === undefined) {
            return inputRequired({
              inputRequests: {
                confirm: inputRequired.elicit({
                  message: 'Delete everything?',
                  requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
                }),
              },
              requestState: SECRET_STATE,
            });
          }
          return { content: [{ type: 'text', text: `deleted after ${answer.action}` }] };
        },
      );
      return withMiddleware(server, runner);
    };
    const connection = await connectV2('modern', factory, { capabilities: { elicitation: {} } });
    open.push(connection);
    connection.client.setRequestHandler('elicitation/create', () => ({
      action: 'accept',
      content: { ok: true },
    }));

    const result = await connection.client.callTool({ name: 'confirm_delete', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'deleted after accept' }]);
    // Two rounds, each a call of its own: the first answer was neither cached nor retried.
    expect(rounds).toEqual(['ask', 'answered:accept']);
    const onWire = connection.wire.filter(
      (m) => (m.result as { resultType?: string } | undefined) !== undefined,
    );
    expect(onWire.slice(-2).map((m) => (m.result as { resultType: string }).resultType)).toEqual([
      'input_required',
      'complete',
    ]);

    const text = await registry.metrics();
    expect(text).toMatch(
      /mcp_middleware_input_required_total\{[^}]*gen_ai_tool_name="confirm_delete"[^}]*\} 1/,
    );
    expect(text).toMatch(
      /mcp_server_operation_duration_seconds_count\{[^}]*gen_ai_tool_name="confirm_delete"[^}]*\} 1/,
    );
    expect(text).not.toMatch(/error_type="[^"]*"[^}]*gen_ai_tool_name="confirm_delete"/);

    const outcomes = lines.filter((line) => line.tool === 'confirm_delete').map((line) => line.outcome);
    expect(outcomes).toEqual(['input_required', 'success']);
    expect(raw.join('')).not.toContain(SECRET_STATE);

    const spans = exporter.getFinishedSpans().filter((span) => span.name.includes('confirm_delete'));
    expect(spans.map((span) => span.attributes['mcp.result.type'])).toEqual(['input_required', undefined]);
    expect(spans.every((span) => span.status.code !== SpanStatusCode.ERROR)).toBe(true);
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain(SECRET_STATE);
  });
});
