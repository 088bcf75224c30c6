import { describe, expect, it, vi } from 'vitest';
import { compose, childrenOf } from './compose.js';
import type { Middleware } from './contract.js';
import { isMiddlewareError } from './errors.js';
import { createTestContext, stubHandler, textResult } from './testing/index.js';

const tracer = (log: string[], name: string): Middleware =>
  async function trace(_ctx, next) {
    log.push(`${name}:in`);
    const result = await next();
    log.push(`${name}:out`);
    return result;
  };

for (const debug of [false, true]) {
  describe(`compose (debug: ${debug})`, () => {
    it('runs middlewares in onion order around the handler', async () => {
      const log: string[] = [];
      const handler = stubHandler(() => {
        log.push('handler');
        return textResult('ok');
      });
      const pipeline = compose([tracer(log, 'a'), tracer(log, 'b')], { debug });
      await pipeline(createTestContext(), handler);
      expect(log).toEqual(['a:in', 'b:in', 'handler', 'b:out', 'a:out']);
    });

    it('passes straight through when empty', async () => {
      const handler = stubHandler();
      const ctx = createTestContext();
      const result = await compose([], { debug })(ctx, handler);
      expect(result).toEqual(textResult('ok'));
      expect(handler.calls).toHaveLength(1);
    });

    it('lets a middleware answer without calling next', async () => {
      const handler = stubHandler();
      const shortCircuit: Middleware = () => Promise.resolve(textResult('cached'));
      const result = await compose([shortCircuit], { debug })(createTestContext(), handler);
      expect(result).toEqual(textResult('cached'));
      expect(handler.calls).toHaveLength(0);
    });

    it('lets a middleware call next more than once', async () => {
      const handler = stubHandler((_ctx, call) => textResult(`call ${call}`));
      const twice: Middleware = async (_ctx, next) => {
        await next();
        return next();
      };
      const result = await compose([twice, tracer([], 'inner')], { debug })(createTestContext(), handler);
      expect(result).toEqual(textResult('call 2'));
      expect(handler.calls).toHaveLength(2);
    });

    it('hands the context given to next down the chain, and the current one when none is given', async () => {
      const handler = stubHandler();
      const rewrite: Middleware = (ctx, next) => next(ctx.with({ args: { q: 'rewritten' } }));
      const passThrough: Middleware = (_ctx, next) => next();
      await compose([rewrite, passThrough], { debug })(
        createTestContext({ args: { q: 'original' } }),
        handler,
      );
      expect(handler.calls[0]?.args).toEqual({ q: 'rewritten' });
    });

    it('turns a synchronous throw in a middleware into a rejection', async () => {
      const throws: Middleware = () => {
        throw new Error('sync boom');
      };
      await expect(compose([throws], { debug })(createTestContext(), stubHandler())).rejects.toThrow(
        'sync boom',
      );
    });
  });
}

describe('compose', () => {
  it('flattens nested compositions', () => {
    const a: Middleware = (_c, n) => n();
    const b: Middleware = (_c, n) => n();
    const c: Middleware = (_c, n) => n();
    expect(childrenOf(compose([a, compose([b, c])]))).toEqual([a, b, c]);
  });

  it('rejects a non-function with a TypeError naming its index', () => {
    const ok: Middleware = (_c, n) => n();
    expect(() => compose([ok, 'retry' as unknown as Middleware])).toThrow(
      /middleware at index 1 is a string, not a function/,
    );
    expect(() => compose([ok, compose([ok]), undefined as unknown as Middleware])).toThrow(/index 2/);
  });

  it('rejects something that is not an array', () => {
    expect(() => compose({} as unknown as Middleware[])).toThrow(TypeError);
  });

  it('names the middleware that returns something other than a tool result in debug mode', async () => {
    const broken = async function brokenMiddleware(): Promise<never> {
      return Promise.resolve('oops' as never);
    };
    const error: unknown = await compose([broken as Middleware], { debug: true })(
      createTestContext(),
      stubHandler(),
    ).catch((e: unknown) => e);
    expect(isMiddlewareError(error, 'INTERNAL')).toBe(true);
    expect((error as Error).message).toContain('`brokenMiddleware` (pipeline index 0) returned a string');
  });

  it('warns in debug mode when a middleware resolves before its next() settles', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const hasty: Middleware = async function hasty(_ctx, next) {
      void next();
      return Promise.resolve(textResult('early'));
    };
    const slow = stubHandler(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return textResult('late');
    });
    await compose([hasty], { debug: true })(createTestContext(), slow);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('`hasty` (pipeline index 0) resolved before its next() settled'),
      'McpMiddlewareWarning',
    );
    warn.mockRestore();
  });
});
