/** retry(): runs the rest of the pipeline again after transient failures, with backoff and a budget. */
import {
  defineMiddleware,
  type CallToolResult,
  type Middleware,
  type Next,
  type RequestContext,
  type RequestHooks,
  type ToolContext,
} from '@mcp-middleware/core';
import { runWithin } from './deadline.js';
import { readRetryOptions, type RetryOptions } from './options.js';
import { noFailure, RetryPolicy, toolFailure, type Run } from './policy.js';

export { isTransientFailure } from './policy.js';

/**
 * Retries failed calls of idempotent tools, resource reads and prompt gets (see `operations`) with
 * exponential full-jitter backoff, bounded by `retries`, `maxRetryTimeMs`, an optional overall deadline
 * (`totalTimeoutMs`), a retry budget and the client's cancellation. Without `totalTimeoutMs` the success
 * path adds no timer, no allocation and one clock read.
 */
export function retry(options: RetryOptions = {}): Middleware {
  const resolved = readRetryOptions(options);
  const policy = new RetryPolicy(resolved);
  const { totalTimeoutMs, operations } = resolved;
  // Built once: the tool step and the request steps share the loop, not a closure per call.
  let tools: (ctx: ToolContext, next: Next) => Promise<CallToolResult>;
  let read: <R>(ctx: RequestContext, next: Run<R>) => Promise<R>;
  if (totalTimeoutMs === undefined) {
    tools = function retry(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return policy.attempt(ctx, next as Run<CallToolResult>, toolFailure, undefined);
    };
    read = (ctx, next) => policy.attempt(ctx, next, noFailure, undefined);
  } else {
    const limit = totalTimeoutMs;
    tools = function retry(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return runWithin(
        ctx,
        limit,
        (below, state) => policy.attempt(below, next as Run<CallToolResult>, toolFailure, state),
        (state) => policy.expire(ctx, state, policy.eligible(ctx)),
      );
    };
    read = (ctx, next) =>
      runWithin(
        ctx,
        limit,
        (below, state) => policy.attempt(below, next, noFailure, state),
        (state) => policy.expire(ctx, state, true),
      );
  }
  const requests: RequestHooks = {
    ...(operations.has('resources/read') ? { 'resources/read': read } : {}),
    ...(operations.has('prompts/get') ? { 'prompts/get': read } : {}),
  };
  if (!operations.has('tools/call')) return defineMiddleware('retry', { requests });
  if (operations.size > 1) (tools as Middleware).requests = requests;
  return tools;
}
