/**
 * Type tests of the contract (checked by `pnpm typecheck`, never run): what `createKey`, `Middleware`,
 * `Next` and request steps accept and give, so a change to their types shows here before it reaches users.
 */
import { expectTypeOf } from 'vitest';
import {
  createKey,
  type CallToolResult,
  type Key,
  type Middleware,
  type Next,
  type OperationResults,
  type RequestContext,
  type RequestHook,
  type RequestHooks,
  type Result,
  type ToolContext,
} from './contract.js';

type ListToolsResult = OperationResults['tools/list'];

// createKey: the value type travels with the key, through ctx.get and ctx.set.
const attempts = createKey<number>('attempts');
expectTypeOf(attempts).toEqualTypeOf<Key<number>>();
expectTypeOf(attempts.name).toEqualTypeOf<string>();
declare const ctx: ToolContext;
expectTypeOf(ctx.get(attempts)).toEqualTypeOf<number | undefined>();
ctx.set(attempts, 2);
// @ts-expect-error a key of number holds no string
ctx.set(attempts, 'two');

// Next: takes an optional context, answers a promise of a tool result.
expectTypeOf<Next>().toBeCallableWith();
expectTypeOf<Next>().toBeCallableWith(ctx);
expectTypeOf<Next>().returns.toEqualTypeOf<Promise<CallToolResult>>();

// A middleware is a function of (ctx, next) to a promise of a tool result; an async function is one.
const passThrough: Middleware = async (c, next) => next(c);
expectTypeOf(passThrough).toBeCallableWith(ctx, () => Promise.resolve({ content: [] }));
expectTypeOf<Parameters<Middleware>>().toEqualTypeOf<[ctx: ToolContext, next: Next]>();
expectTypeOf<ReturnType<Middleware>>().toEqualTypeOf<Promise<CallToolResult>>();
// @ts-expect-error a middleware answers a tool result, not a string
const wrongAnswer: Middleware = () => Promise.resolve('done');
// @ts-expect-error a middleware returns a promise: a synchronous result is not one
const notAPromise: Middleware = () => ({ content: [] });

// Its optional parts: steps for other requests, typed by method, and attach.
const withSteps: Middleware = Object.assign(passThrough, {
  requests: {
    'tools/list': (c: RequestContext, next: (c?: RequestContext) => Promise<ListToolsResult>) => next(c),
    '*': ((c, next) => next(c)) satisfies RequestHook,
  },
});
type ListStep = NonNullable<RequestHooks['tools/list']>;
expectTypeOf<ReturnType<ListStep>>().toEqualTypeOf<Promise<ListToolsResult>>();
expectTypeOf<ReturnType<Parameters<ListStep>[1]>>().toEqualTypeOf<Promise<ListToolsResult>>();
expectTypeOf(withSteps.attach).toEqualTypeOf<
  ((channel: import('./events.js').EventChannel) => void) | undefined
>();
expectTypeOf<RequestHook>().returns.toEqualTypeOf<Promise<Result>>();

// A step's context is a request's, not a tool call's: it has no `tool` or `args`.
expectTypeOf<RequestContext>().not.toHaveProperty('tool');
expectTypeOf<ToolContext>().toHaveProperty('args');

export { wrongAnswer, notAPromise };
