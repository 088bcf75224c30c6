/**
 * completion/complete names a prompt or a resource template: completing one the caller may not use is
 * answered exactly as for an unknown one.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Principal, RequestContext } from '@mcp-middleware/core';
import type { Access } from './access.js';

/**
 * The refusal of a completion whose reference `principal` may not use, or undefined. Hidden, it is the
 * error SDK 1.x's McpServer gives for an unknown prompt or resource template (core's not-found answer is
 * per target, and a completion's target may be either); the FORBIDDEN is published as a `reject` event.
 */
export function hiddenCompletion(
  ctx: RequestContext,
  access: Access,
  principal: Principal,
  hide: boolean,
): Error | undefined {
  const ref = ctx.params?.['ref'];
  if (typeof ref !== 'object' || ref === null) return undefined;
  const { type, name, uri } = ref as { type?: unknown; name?: unknown; uri?: unknown };
  let denial;
  let notFound: string;
  if (type === 'ref/prompt' && typeof name === 'string' && access.has.prompt) {
    denial = access.denial('prompt', name, principal);
    notFound = `Prompt ${name} not found`;
  } else if (type === 'ref/resource' && typeof uri === 'string' && access.has.resource) {
    denial = access.denial('resource', uri, principal);
    notFound = `Resource template ${uri} not found`;
  } else {
    return undefined;
  }
  if (denial === undefined) return undefined;
  ctx.emit({ type: 'reject', code: 'FORBIDDEN', source: 'auth' });
  return hide ? new McpError(ErrorCode.InvalidParams, notFound) : denial;
}
