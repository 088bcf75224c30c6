/**
 * A 2026-07-28 request's SDK v2 context seen as the `extra` every middleware reads: core's v2 view
 * (signal, request id, `_meta` with the envelope put back, credentials, headers, notifications), with
 * server-to-client requests refused, since 2026-07-28 has none.
 */
import type { ServerContext } from '@modelcontextprotocol/server';
import type { ToolExtra } from '@mcp-middleware/core';
import { extraOfV2, type V2Context } from '@mcp-middleware/core/helpers';

type Meta = Record<string, unknown>;

// 2026-07-28 has no server-to-client requests: a server asks through an input_required result.
function refuseRequest(): Promise<never> {
  return Promise.reject(
    Object.assign(new Error('server-to-client requests do not exist on 2026-07-28; return input_required'), {
      code: -32601,
    }),
  );
}

/** The `extra` the pipeline sees for one 2026-07-28 request. */
export function modernExtra(ctx: ServerContext): ToolExtra {
  return Object.defineProperty(extraOfV2(ctx as unknown as V2Context), 'sendRequest', {
    value: refuseRequest,
  });
}

/** The client's `_meta` as it sent it: the envelope keys the SDK lifted out, put back beside the rest. */
export function clientMeta(ctx: ServerContext): Meta | undefined {
  return extraOfV2(ctx)._meta;
}
