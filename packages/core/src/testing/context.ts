/** Contexts and handlers for unit tests of middlewares, without a server. */
import { systemClock, type Clock } from '../clock.js';
import { createContext } from '../context.js';
import type { CallToolResult, ToolArgs, ToolContext, ToolExtra, ToolInfo } from '../contract.js';
import { EventChannel, type MiddlewareEvent } from '../events.js';

/** What {@link createTestContext} may set. */
export interface TestContextOptions {
  readonly tool?: Partial<ToolInfo> | undefined;
  readonly args?: ToolArgs;
  readonly signal?: AbortSignal | undefined;
  readonly clock?: Clock | undefined;
  readonly extra?: Partial<ToolExtra> | undefined;
  readonly events?: EventChannel | undefined;
}

/** A test context plus every event published through it. */
export interface TestContext extends ToolContext {
  readonly events: MiddlewareEvent[];
}

let requestCounter = 0;

/**
 * The SDK's per-request object (`extra`) as a runner, `withMiddleware` or a request step receives it: a
 * fresh signal, a new request id, notifications accepted and dropped, `sendRequest` rejected. `overrides`
 * replace any field (`sessionId`, `authInfo`, a `signal` to abort).
 */
export function createTestExtra(overrides: Partial<ToolExtra> = {}): ToolExtra {
  return {
    // Made only when none is given: a test that counts AbortControllers must see only its own.
    signal: overrides.signal ?? new AbortController().signal,
    requestId: ++requestCounter,
    sendNotification: () => Promise.resolve(),
    sendRequest: () => Promise.reject(new Error('sendRequest is not available in a test context')),
    ...overrides,
  };
}

/** Builds a context like the runner would, recording events it emits. */
export function createTestContext(options: TestContextOptions = {}): TestContext {
  const tool: ToolInfo = { name: 'test_tool', ...options.tool };
  const extra = createTestExtra({
    ...(options.signal !== undefined && { signal: options.signal }),
    ...options.extra,
  });
  const channel = options.events ?? new EventChannel();
  const events: MiddlewareEvent[] = [];
  channel.subscribe((event) => events.push(event));
  const ctx = createContext(tool, options.args ?? {}, extra, options.clock ?? systemClock, channel);
  Object.defineProperty(ctx, 'events', { value: events, enumerable: true });
  return ctx as TestContext;
}

/** A handler double: answers with `impl` (default: a text result) and records every call. */
export interface StubHandler {
  (ctx?: ToolContext): Promise<CallToolResult>;
  readonly calls: ToolContext[];
}

/** Creates a {@link StubHandler}; usable as a `next` in unit tests. */
export function stubHandler(
  impl: (ctx: ToolContext, call: number) => CallToolResult | Promise<CallToolResult> = () => textResult('ok'),
): StubHandler {
  const calls: ToolContext[] = [];
  const handler = async (ctx?: ToolContext): Promise<CallToolResult> => {
    if (ctx === undefined) throw new Error('stubHandler: next() was called without a context in this test');
    calls.push(ctx);
    return impl(ctx, calls.length);
  };
  return Object.assign(handler, { calls });
}

/** A one-block text result. */
export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}
