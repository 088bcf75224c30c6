/**
 * The HTTP side of the 2026-07-28 front door: what the SDK does not hand a handler (the client's
 * `inputResponses`/`requestState` as sent, the resources a listen asks for), and writing a web Response to
 * a Node response.
 */
import type { ServerResponse } from 'node:http';
import type { ServerContext } from '@modelcontextprotocol/server';

// The SDK lifts `inputResponses` out of the params (dropping entries it does not recognise) and keeps
// `requestState` behind an accessor: the client's own values are read from the body it sent, by request.
const bodies = new WeakMap<Request, unknown>();

/** Remembers the parsed body `request` came with, for {@link mrtrParams}. */
export function rememberBody(request: Request, body: unknown): void {
  bodies.set(request, body);
}
const MRTR_KEYS = ['inputResponses', 'requestState'] as const;

/** The client's `inputResponses` and `requestState` for this request, exactly as it sent them. */
export function mrtrParams(ctx: ServerContext): Record<string, unknown> {
  const req = (ctx.http as { req?: Request } | undefined)?.req;
  const body = req === undefined ? undefined : bodies.get(req);
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  const own = messages.find(
    (m): m is { params?: Record<string, unknown> } =>
      typeof m === 'object' && m !== null && (m as { id?: unknown }).id === ctx.mcpReq.id,
  );
  const params = own?.params;
  if (params === undefined) return {};
  return Object.fromEntries(MRTR_KEYS.filter((k) => params[k] !== undefined).map((k) => [k, params[k]]));
}

/**
 * The most resource URIs one `subscriptions/listen` may name, and the most the gateway holds for all its
 * listen streams (upstream-listen.ts, resource-subscriptions.ts): a listen naming more is refused before
 * anything runs (modern-admission.ts).
 */
export const MAX_LISTENED_URIS = 1000;

/**
 * The resource URIs a `subscriptions/listen` request asks to hear about; none for a message without an id,
 * which is no request (nothing admits it, and the SDK opens no stream for it).
 */
export function listenedResources(body: unknown): string[] {
  const message = body as {
    id?: unknown;
    method?: unknown;
    params?: { notifications?: { resourceSubscriptions?: unknown } };
  };
  if (typeof body !== 'object' || body === null || message.method !== 'subscriptions/listen') return [];
  if (message.id === undefined) return [];
  const uris = message.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string') : [];
}

/** Writes a web Response to a Node response, streaming an SSE body as it comes. */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } finally {
    res.end();
  }
}
