// User callbacks of tracing() (the capture functions) cannot fail a call, whatever they throw: the call
// is answered as without the capture, nothing is recorded, and a warning event names the capture.
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { EventChannel, createToolRunner, type MiddlewareEvent, type ToolExtra } from '@mcp-middleware/core';
import { hostileValues, textResult, createTestExtra } from '@mcp-middleware/core/testing';
import { tracing, type TracingOptions } from './index.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });

const THROWN = hostileValues();

const CALLBACKS: [string, (thrown: unknown) => TracingOptions][] = [
  [
    'captureArguments',
    (thrown) => ({
      captureArguments: () => {
        throw thrown;
      },
    }),
  ],
  [
    'captureResult',
    (thrown) => ({
      captureResult: () => {
        throw thrown;
      },
    }),
  ],
];

describe('tracing(): a throwing capture function', () => {
  for (const [callback, options] of CALLBACKS) {
    it.each(THROWN)(
      `answers the call, records no ${callback} and warns when it throws %s`,
      async (_name, make) => {
        const exporter = new InMemorySpanExporter();
        const tracerProvider = new BasicTracerProvider({
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        });
        const events = new EventChannel();
        const warnings: MiddlewareEvent[] = [];
        events.subscribe((event) => {
          if (event.type === 'warning') warnings.push(event);
        });
        const runner = createToolRunner([tracing({ tracerProvider, ...options(make()) })], { events });
        const result = await runner.run({ name: 'echo' }, { text: 'hi' }, extra(), () => textResult('ok'));
        expect(result).toEqual(textResult('ok'));
        const attributes = exporter.getFinishedSpans()[0]?.attributes ?? {};
        expect(attributes['gen_ai.tool.call.arguments']).toBeUndefined();
        expect(attributes['gen_ai.tool.call.result']).toBeUndefined();
        expect(warnings).toEqual([expect.objectContaining({ type: 'warning', source: 'tracing' })]);
        expect((warnings[0] as { message: string }).message).toContain('capture');
      },
    );
  }
});
