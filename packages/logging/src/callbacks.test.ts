// User callbacks of logging() (the pino logger's serializers, hooks, mixin and destination) cannot fail
// a call, whatever they throw: the call keeps its own result or error, and one warning event says the
// line was dropped (not one per call, so a broken logger cannot flood the channel).
import { describe, expect, it } from 'vitest';
import {
  EventChannel,
  MiddlewareError,
  createToolRunner,
  type MiddlewareEvent,
  type ToolExtra,
} from '@mcp-middleware/core';
import { hostileValues, textResult, createTestExtra } from '@mcp-middleware/core/testing';
import { pino, type Logger } from 'pino';
import { logging } from './logging.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });

const THROWN = hostileValues();

const thrower = (make: () => unknown) => (): never => {
  throw make();
};

const LOGGERS: [string, (make: () => unknown) => Logger][] = [
  ['a mixin', (make) => pino({ mixin: thrower(make) }, { write: () => {} })],
  ['a logMethod hook', (make) => pino({ hooks: { logMethod: thrower(make) } }, { write: () => {} })],
  ['an args serializer', (make) => pino({ serializers: { args: thrower(make) } }, { write: () => {} })],
  ['a destination', (make) => pino({}, { write: thrower(make) })],
];

describe('logging(): a logger whose callbacks throw', () => {
  for (const [where, makeLogger] of LOGGERS) {
    it.each(THROWN)(
      `keeps each call's own answer and warns once when ${where} throws %s`,
      async (_name, make) => {
        const events = new EventChannel();
        const warnings: MiddlewareEvent[] = [];
        events.subscribe((event) => {
          if (event.type === 'warning') warnings.push(event);
        });
        const runner = createToolRunner([logging({ logger: makeLogger(make), includeArgs: true })], {
          events,
        });
        const refusal = new MiddlewareError('FORBIDDEN', 'no');
        const refused = await runner.run({ name: 't' }, { a: 1 }, extra(), () => Promise.reject(refusal));
        const again = await runner.run({ name: 't' }, { a: 1 }, extra(), () => Promise.reject(refusal));
        const failed = await runner.run({ name: 't' }, { a: 1 }, extra(), () => ({
          ...textResult('x'),
          isError: true,
        }));
        expect(refused).toMatchObject({ isError: true, content: [{ type: 'text', text: 'no' }] });
        expect(again).toEqual(refused);
        expect(failed).toEqual({ ...textResult('x'), isError: true });
        expect(warnings).toEqual([expect.objectContaining({ type: 'warning', source: 'logging' })]);
      },
    );
  }
});
