/**
 * Whether a request is a retry round of a 2026-07-28 multi-round request (MRTR): it carries the client's
 * `inputResponses` or the server's `requestState`, so what it answers was built from one caller's input.
 * Raw params carry them as sent; SDK v2 lifts them out of the params onto its request context
 * (`mcpReq.inputResponses`, `mcpReq.requestState()`), which core's v2 `extra` keeps as `sdkContext`.
 */
import type { RequestContext } from '@mcp-middleware/core';

/** The MRTR fields of SDK v2's `ctx.mcpReq` (2.x), read defensively: a handler's context is hostile. */
interface V2Round {
  readonly inputResponses?: unknown;
  readonly droppedInputResponseKeys?: readonly unknown[];
  readonly requestState?: unknown;
}

// SDK v2 reads requestState through an accessor (a verify hook may decode it); a throw means the round
// carried something, so it is treated as a round.
function carriesState(mcpReq: V2Round): boolean {
  const state = mcpReq.requestState;
  if (typeof state !== 'function') return state !== undefined;
  try {
    return (state as () => unknown).call(mcpReq) !== undefined;
  } catch {
    return true;
  }
}

function isV2Round(mcpReq: V2Round): boolean {
  return (
    mcpReq.inputResponses !== undefined ||
    (mcpReq.droppedInputResponseKeys?.length ?? 0) > 0 ||
    carriesState(mcpReq)
  );
}

/** True when `ctx`'s request is a retry round of a 2026-07-28 multi-round request. */
export function isInputRound(ctx: RequestContext): boolean {
  const params = ctx.params;
  if (params !== undefined && (params.inputResponses !== undefined || params.requestState !== undefined))
    return true;
  const extra = ctx.extra as { readonly sdkContext?: { readonly mcpReq?: V2Round } } | undefined;
  const sdkContext = extra?.sdkContext;
  const mcpReq = sdkContext?.mcpReq;
  return typeof mcpReq === 'object' && mcpReq !== null && isV2Round(mcpReq);
}
