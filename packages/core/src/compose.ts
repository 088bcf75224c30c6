/** compose(): the onion. Middleware 0 is outermost; `next()` may run the rest again (retry). */
import type { CallToolResult, Middleware, Next, ToolContext } from './contract.js';
import { MiddlewareError } from './errors.js';
import { describeValue, isToolResult } from './result.js';

const CHILDREN = Symbol.for('io.github.mcp-middleware/children');
const COMPOSED = Symbol.for('io.github.mcp-middleware/composed');
/** Marks a middleware that has steps for other requests only, so tool calls skip it. */
export const NO_TOOL_STEP = Symbol.for('io.github.mcp-middleware/no-tool-step');

type Tagged = Middleware & {
  [CHILDREN]?: readonly Middleware[];
  [COMPOSED]?: true;
  [NO_TOOL_STEP]?: true;
};

/** Options of {@link compose}. */
export interface ComposeOptions {
  /**
   * Check every layer: name a middleware that returns a non-result, and warn when one resolves before
   * its own `next()` settles. Costs an await per layer.
   * @default true when NODE_ENV is "development" or "test"
   */
  readonly debug?: boolean;
}

const DEBUG_BY_DEFAULT = process.env.NODE_ENV === 'development' || process.env.NODE_ENV === 'test';

/** The middlewares directly inside a composed or scoped middleware (for `attach` and tooling). */
export function childrenOf(middleware: Middleware): readonly Middleware[] {
  return (middleware as Tagged)[CHILDREN] ?? [];
}

/** Marks a middleware as a container of others, so `attach` reaches them. */
export function withChildren<M extends Middleware>(middleware: M, children: readonly Middleware[]): M {
  Object.defineProperty(middleware, CHILDREN, { value: children });
  return middleware;
}

function flatten(middlewares: readonly Middleware[], path: string, into: Middleware[]): void {
  middlewares.forEach((middleware, index) => {
    if (typeof middleware !== 'function') {
      throw new TypeError(
        `compose: middleware at index ${path}${index} is ${describeValue(middleware)}, not a function; ` +
          'pass middleware factories called, e.g. retry() rather than retry',
      );
    }
    const tagged = middleware as Tagged;
    if (tagged[COMPOSED] === true) flatten(tagged[CHILDREN] ?? [], `${path}${index}.`, into);
    else into.push(middleware);
  });
}

/** Composes middlewares into one. `compose([])` passes straight through; nested composes flatten. */
export function compose(middlewares: readonly Middleware[], options: ComposeOptions = {}): Middleware {
  if (!Array.isArray(middlewares)) {
    throw new TypeError(`compose: expected an array of middlewares, got ${describeValue(middlewares)}`);
  }
  const list: Middleware[] = [];
  flatten(middlewares, '', list);
  const tools = list.filter((m) => (m as Tagged)[NO_TOOL_STEP] !== true);
  const composed: Tagged = (options.debug ?? DEBUG_BY_DEFAULT) ? checkedChain(tools) : chain(tools);
  Object.defineProperty(composed, COMPOSED, { value: true });
  return withChildren(composed, list);
}

// Module-level, so a call allocates one small arrow per layer and nothing else.
function dispatch(
  list: readonly Middleware[],
  i: number,
  ctx: ToolContext,
  next: Next,
): Promise<CallToolResult> {
  // The terminal is guarded too: `next()` never throws synchronously, whatever lies below (see `Next`).
  try {
    if (i === list.length) return next(ctx);
    return (list[i] as Middleware)(ctx, (c) => dispatch(list, i + 1, c ?? ctx, next));
  } catch (error) {
    return Promise.reject(error);
  }
}

function chain(list: readonly Middleware[]): Middleware {
  if (list.length === 0) return (ctx, next) => next(ctx);
  return function composed(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    return dispatch(list, 0, ctx, next);
  };
}

function nameOf(middleware: Middleware, index: number): string {
  return `\`${middleware.name === '' ? 'anonymous' : middleware.name}\` (pipeline index ${index})`;
}

// The debug chain awaits every layer so it can say which middleware misbehaved.
function checkedChain(list: readonly Middleware[]): Middleware {
  const n = list.length;
  return function composed(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    async function dispatch(i: number, c: ToolContext): Promise<CallToolResult> {
      if (i === n) return next(c);
      const middleware = list[i] as Middleware;
      let pending = 0;
      const result: unknown = await middleware(c, (c2) => {
        pending++;
        const settle = (): void => {
          pending--;
        };
        const p = dispatch(i + 1, c2 ?? c);
        p.then(settle, settle);
        return p;
      });
      if (pending > 0) {
        process.emitWarning(
          `middleware ${nameOf(middleware, i)} resolved before its next() settled; await next()`,
          'McpMiddlewareWarning',
        );
      }
      if (!isToolResult(result)) {
        throw new MiddlewareError(
          'INTERNAL',
          `middleware ${nameOf(middleware, i)} returned ${describeValue(result)} instead of a tool result`,
        );
      }
      return result;
    }
    return dispatch(0, ctx);
  };
}
