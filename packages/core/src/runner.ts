/** Runs a pipeline for one tool call: the entry point behind withMiddleware, wrapTool and the gateway. */
import { systemClock, type Clock } from './clock.js';
import { childrenOf, compose } from './compose.js';
import { createContext } from './context.js';
import type { CallToolResult, Middleware, ToolArgs, ToolContext, ToolExtra, ToolInfo } from './contract.js';
import { MiddlewareError } from './errors.js';
import { EventChannel } from './events.js';
import { describeValue, isProtocolEscape, isToolResult, toToolResult } from './result.js';

/** The innermost step of a pipeline: calls the tool itself. */
export type ToolHandler = (ctx: ToolContext) => CallToolResult | Promise<CallToolResult>;

/** A pipeline given as one middleware or a list (outermost first). */
export type Pipeline = Middleware | readonly Middleware[];

/** Options of {@link createToolRunner}, `withMiddleware` and `wrapTool`. */
export interface RunnerOptions {
  /** @default systemClock */
  readonly clock?: Clock;
  /** The channel middlewares publish on; pass your own to subscribe. @default a new channel */
  readonly events?: EventChannel;
  /** Per-layer checks (see `compose`). @default true when NODE_ENV is "development" or "test" */
  readonly debug?: boolean;
}

/** A pipeline ready to run tool calls. */
export interface ToolRunner {
  readonly events: EventChannel;
  /** Runs one raw `tools/call`: never rejects; failures come back as `isError` results. */
  run(tool: ToolInfo, args: ToolArgs, extra: ToolExtra, handler: ToolHandler): Promise<CallToolResult>;
  /** Pre-binds a tool and its handler; the returned function is the per-call fast path. */
  bind(tool: ToolInfo, handler: ToolHandler): (args: ToolArgs, extra: ToolExtra) => Promise<CallToolResult>;
}

function attachAll(middleware: Middleware, channel: EventChannel, seen: Set<Middleware>): void {
  if (seen.has(middleware)) return;
  seen.add(middleware);
  middleware.attach?.(channel);
  for (const child of childrenOf(middleware)) attachAll(child, channel, seen);
}

function fail(error: unknown): CallToolResult {
  if (isProtocolEscape(error)) throw error;
  return toToolResult(error);
}

/** Composes `pipeline` once, attaches its middlewares to an event channel, and returns the runner. */
export function createToolRunner(pipeline: Pipeline, options: RunnerOptions = {}): ToolRunner {
  const composeOptions = options.debug === undefined ? {} : { debug: options.debug };
  const composed = compose(typeof pipeline === 'function' ? [pipeline] : pipeline, composeOptions);
  const clock = options.clock ?? systemClock;
  const events = options.events ?? new EventChannel();
  attachAll(composed, events, new Set());

  function bind(
    tool: ToolInfo,
    handler: ToolHandler,
  ): (args: ToolArgs, extra: ToolExtra) => Promise<CallToolResult> {
    // compose always passes the context on to the terminal; the parameter is optional only to match Next.
    const terminal = (ctx?: ToolContext): Promise<CallToolResult> => {
      try {
        return Promise.resolve(handler(ctx as ToolContext));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const check = (result: unknown): CallToolResult => {
      if (isToolResult(result)) return result;
      return toToolResult(
        new MiddlewareError(
          'INTERNAL',
          `tool \`${tool.name}\` (or a middleware around it) returned ${describeValue(result)} instead of a tool result`,
        ),
      );
    };
    return function runToolCall(args: ToolArgs, extra: ToolExtra): Promise<CallToolResult> {
      const ctx = createContext(tool, args, extra, clock, events);
      let pending: Promise<CallToolResult>;
      try {
        pending = composed(ctx, terminal);
      } catch (error) {
        return Promise.resolve(fail(error));
      }
      return pending.then(check, fail);
    };
  }

  return {
    events,
    bind,
    run: (tool, args, extra, handler) => bind(tool, handler)(args, extra),
  };
}
