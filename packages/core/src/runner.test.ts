import { describe, expect, it } from 'vitest';
import { compose } from './compose.js';
import type { Middleware, Next, ToolContext } from './contract.js';
import { when } from './selector.js';
import { MiddlewareError } from './errors.js';
import { EventChannel } from './events.js';
import { ERROR_META_KEY } from './result.js';
import { attachOnce, createToolRunner } from './runner.js';
import { createTestExtra, textResult } from './testing/index.js';
import type { ToolExtra } from './contract.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 7 });

const tool = { name: 'search' };

describe('createToolRunner', () => {
  it('runs a raw tools/call through the pipeline and the handler', async () => {
    const seen: unknown[] = [];
    const spy: Middleware = (ctx, next) => {
      seen.push(ctx.tool.name, ctx.args, ctx.requestId);
      return next();
    };
    const result = await createToolRunner([spy]).run(tool, { q: 1 }, extra(), (ctx) =>
      textResult(JSON.stringify(ctx.args)),
    );
    expect(result).toEqual(textResult('{"q":1}'));
    expect(seen).toEqual(['search', { q: 1 }, 7]);
  });

  it('maps a rejection to an isError result with the error code in _meta', async () => {
    const reject: Middleware = () =>
      Promise.reject(new MiddlewareError('FORBIDDEN', 'tool `search` needs scope admin'));
    const result = await createToolRunner(reject).run(tool, {}, extra(), () => textResult('never'));
    expect(result.isError).toBe(true);
    expect(result._meta?.[ERROR_META_KEY]).toEqual({ code: 'FORBIDDEN', retryable: false });
  });

  it('maps a synchronous throw from the handler', async () => {
    const result = await createToolRunner([]).run(tool, {}, extra(), () => {
      throw new Error('sync failure');
    });
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'sync failure' }] });
  });

  it('answers INTERNAL when the handler returns something that is not a tool result', async () => {
    const result = await createToolRunner([], { debug: false }).run(
      tool,
      {},
      extra(),
      () => 'not a result' as never,
    );
    expect(result.isError).toBe(true);
    expect(result._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'INTERNAL' });
    expect(JSON.stringify(result.content)).toContain(
      'tool `search` (or a middleware around it) returned a string',
    );
  });

  it('lets the URL-elicitation error escape as the SDK requires', async () => {
    const escape = Object.assign(new Error('elicit'), { code: -32042 });
    await expect(
      createToolRunner([]).run(tool, {}, extra(), () => {
        throw escape;
      }),
    ).rejects.toBe(escape);
  });

  it('attaches every middleware, nested ones included, to the pipeline channel once', () => {
    const attached: EventChannel[] = [];
    const observer: Middleware = Object.assign(
      async function observe(_ctx: ToolContext, next: Next) {
        return next();
      },
      { attach: (channel: EventChannel) => void attached.push(channel) },
    );
    const events = new EventChannel();
    const runner = createToolRunner([observer, compose([when('x', observer)])], { events });
    expect(runner.events).toBe(events);
    expect(attached).toEqual([events]);
  });

  // The class: however a middleware reaches a channel (twice in one pipeline, nested, two runners on one
  // channel, attachOnce by hand), it is attached once per channel, and once to each other channel.
  it('attaches a middleware once per channel across runners that share the channel, and once per other channel', () => {
    const attached: EventChannel[] = [];
    const observer: Middleware = Object.assign(
      async function observe(_ctx: ToolContext, next: Next) {
        return next();
      },
      { attach: (channel: EventChannel) => void attached.push(channel) },
    );
    const shared = new EventChannel();
    createToolRunner([observer, observer], { events: shared });
    createToolRunner([compose([observer])], { events: shared });
    expect(attachOnce(observer, shared)).toBe(false);
    const other = createToolRunner([observer]).events;
    expect(attachOnce(observer, other)).toBe(false);
    const third = new EventChannel();
    expect(attachOnce(observer, third)).toBe(true);
    expect(attached).toEqual([shared, other, third]);
    const plain: Middleware = async (_ctx, next) => next();
    expect(attachOnce(plain, third)).toBe(false);
  });
});
