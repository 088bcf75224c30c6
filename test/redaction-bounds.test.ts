// Bounded copies (issue 13, item 8): whatever one request carries (300 000 keys, 10 000 levels, 10 MB
// strings, 1 MB keys, a million items), the log line and the span attributes it produces stay small.
// Sizes and counts are asserted, never times.
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createToolRunner, type CallToolResult, type ToolArgs, type ToolExtra } from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { logging } from '@mcp-middleware/logging';
import { tracing } from '@mcp-middleware/tracing';
import { hostileArgs } from './proof/secrets.js';

/** The most bytes a log line may take: 8 KiB of arguments, 2000-character error texts, the fixed fields. */
const MAX_LOG_LINE_BYTES = 16 * 1024;
const MAX_CAPTURE = 1024;

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });

/** A pipeline of logging() with arguments and tracing() with both captures, and what each wrote. */
function observedPipeline(): {
  run: (args: ToolArgs, handler: () => CallToolResult | Promise<CallToolResult>) => Promise<CallToolResult>;
  lines: string[];
  exporter: InMemorySpanExporter;
} {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const runner = createToolRunner([
    tracing({ tracerProvider, captureArguments: true, captureResult: true, maxCaptureLength: MAX_CAPTURE }),
    logging({ logger, includeArgs: true, levels: { success: 'info' } }),
  ]);
  return { run: (args, handler) => runner.run({ name: 'tool' }, args, extra(), handler), lines, exporter };
}

const keyCounts = (value: unknown, counts: number[] = []): number[] => {
  if (typeof value === 'object' && value !== null) {
    counts.push(Object.keys(value).length);
    for (const item of Object.values(value)) keyCounts(item, counts);
  }
  return counts;
};

describe('one request cannot make unbounded log lines or spans', () => {
  it.each(hostileArgs())('keeps the log line and the span small for %s', async (_name, args) => {
    const { run, lines, exporter } = observedPipeline();
    await run(args, () => Promise.reject(new Error(`failed on ${Object.keys(args ?? {}).length} keys`)));
    await run(args, () => ({ content: [{ type: 'text', text: 'ok' }], structuredContent: args }));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
      const logged = (JSON.parse(line) as { args: unknown }).args;
      expect(Buffer.byteLength(JSON.stringify(logged))).toBeLessThanOrEqual(8192);
      expect(Math.max(...keyCounts(logged))).toBeLessThanOrEqual(101);
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      for (const value of Object.values(span.attributes)) {
        expect(String(value).length).toBeLessThanOrEqual(MAX_CAPTURE + 1);
      }
      expect((span.status.message ?? '').length).toBeLessThanOrEqual(2001);
    }
  });

  it('keeps the most useful part: the first keys, in order, with a count of what was left out', async () => {
    const { run, lines } = observedPipeline();
    const wide = Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`key${i}`, i]));
    await run(wide, () => Promise.reject(new Error('no')));
    const logged = (JSON.parse(lines[0] ?? '{}') as { args: Record<string, unknown> }).args;
    expect(Object.keys(logged).slice(0, 3)).toEqual(['key0', 'key1', 'key2']);
    expect(logged['…']).toMatch(/^more keys than the \d+ kept$/);
  });

  it('bounds an error text of 10 MB in the log line and the span status', async () => {
    const { run, lines, exporter } = observedPipeline();
    await run({}, () => Promise.reject(new Error('e'.repeat(10 * 1024 * 1024))));
    expect(Buffer.byteLength(lines[0] ?? '')).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect((exporter.getFinishedSpans()[0]?.status.message ?? '').length).toBeLessThanOrEqual(2001);
  });

  it('bounds a 1 MB tool name and a 1 MB request id in the log line and the span', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const runner = createToolRunner([tracing({ tracerProvider }), logging({ logger })]);
    const huge = 'n'.repeat(1024 * 1024);
    await runner.run({ name: huge }, {}, { ...extra(), requestId: huge }, () =>
      Promise.reject(new Error('no')),
    );
    expect(lines).toHaveLength(1);
    expect(Buffer.byteLength(lines[0] ?? '')).toBeLessThanOrEqual(4096);
    const span = exporter.getFinishedSpans()[0];
    expect(span?.name.length).toBeLessThanOrEqual(300);
    for (const value of Object.values(span?.attributes ?? {}))
      expect(String(value).length).toBeLessThanOrEqual(300);
  });
});
