/**
 * A 2026-07-28 request's SDK v2 context seen as the `extra` every middleware reads (signal, request id,
 * `_meta` with the envelope put back, credentials, headers, notifications). The gateway's own copy of
 * core's v2 view, which core keeps internal.
 */
import type { ServerContext } from '@modelcontextprotocol/server';
import type { ToolExtra } from '@mcp-middleware/core';

type Meta = Record<string, unknown>;

/** The client's `_meta` as it sent it: the envelope keys the SDK lifted out, put back beside the rest. */
export function clientMeta(ctx: ServerContext): Meta | undefined {
  const { _meta, envelope } = ctx.mcpReq as { _meta?: Meta; envelope?: Meta };
  if (envelope === undefined) return _meta;
  return { ..._meta, ...envelope };
}

function headersOf(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  req.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** The `extra` the pipeline sees for one 2026-07-28 request. */
export function modernExtra(ctx: ServerContext): ToolExtra {
  const http = ctx.http as { authInfo?: unknown; req?: Request } | undefined;
  const req = http?.req;
  const extra = {
    signal: ctx.mcpReq.signal,
    requestId: ctx.mcpReq.id,
    sessionId: undefined,
    _meta: clientMeta(ctx),
    authInfo: http?.authInfo,
    requestInfo: req === undefined ? undefined : { headers: headersOf(req), url: new URL(req.url) },
    sendNotification: (notification: { method: string; params?: Meta }) => ctx.mcpReq.notify(notification),
    // 2026-07-28 has no server-to-client requests: a server asks through an input_required result.
    sendRequest: () =>
      Promise.reject(
        Object.assign(
          new Error('server-to-client requests do not exist on 2026-07-28; return input_required'),
          {
            code: -32601,
          },
        ),
      ),
  };
  return extra as unknown as ToolExtra;
}
