/** logging()'s lines for the pipeline's events: breakers opening and closing, retries, warnings. */
import type { MiddlewareEvent, ToolContext } from '@mcp-middleware/core';
import { redactSecrets } from '@mcp-middleware/core/redact';
import { bounded, safeTarget } from './fields.js';
import type { LineWriter } from './line-writer.js';

// The call an event belongs to: a tool call by its tool, any other request by its method and target.
function baseOf(ctx: ToolContext | undefined): Record<string, unknown> {
  if (ctx === undefined) return {};
  if (ctx.operation === 'tools/call') {
    return { tool: bounded(ctx.tool.name), requestId: bounded(ctx.requestId) };
  }
  const target = ctx.target;
  return {
    method: bounded(ctx.operation),
    ...(target !== undefined && { target: safeTarget(target) }),
    requestId: bounded(ctx.requestId),
  };
}

/**
 * Writes the line of one event from the pipeline's channel, if it has one: a breaker's change of state, a
 * retry, a warning. Rejections, give-ups, cache lookups and timeouts show on the call's own line instead.
 */
export function logEvent(writer: LineWriter, event: MiddlewareEvent, ctx: ToolContext | undefined): void {
  const base = baseOf(ctx);
  switch (event.type) {
    case 'breaker':
      writer.note(
        event.state === 'open' ? 'warn' : 'info',
        { ...base, tool: event.tool ?? base.tool, breaker: event.key, state: event.state },
        `circuit breaker ${event.state}`,
        ctx,
      );
      break;
    case 'retry':
      writer.note(
        'debug',
        { ...base, attempt: event.attempt, delayMs: event.delayMs, code: event.code },
        ctx === undefined || ctx.operation === 'tools/call' ? 'retrying tool call' : 'retrying request',
        ctx,
      );
      break;
    case 'warning':
      writer.note('warn', { ...base, source: event.source }, redactSecrets(event.message), ctx);
      break;
    case 'give-up':
    case 'reject':
    case 'cache':
    case 'timeout':
      // The call's own line reports these.
      break;
  }
}
