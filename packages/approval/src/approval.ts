/** approval(): destructive tools run only after a human said yes; with no way to ask, the call is refused. */
import type { CallToolResult, Middleware, Next, ToolContext } from '@mcp-middleware/core';
import { ApprovalGate } from './gate.js';
import { readApprovalOptions, type ApprovalOptions } from './options.js';

export type { ApprovalDecision, ApprovalOptions, ClientCapabilitiesLike, ServerLike } from './options.js';

/**
 * Runs the tools `tools` selects (default: `destructiveHint: true`) only after a human approved the call:
 * through elicitation on the 2025-11-25 wire, an `input_required` round on 2026-07-28, or your `approve`
 * callback. No way to ask, a "no", a malformed, expired, forged or replayed answer: the call is refused
 * with FORBIDDEN and never runs.
 */
export function approval(options: ApprovalOptions = {}): Middleware {
  const resolved = readApprovalOptions(options);
  const selected = resolved.selected;
  const gate = new ApprovalGate(resolved);
  return function approval(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    if (!selected(ctx.tool)) return next(ctx);
    return gate.check(ctx, next);
  };
}
