/** Small pieces of the HTTP listener's request handling: answers, the Host/Origin check, the bounded body. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** Answers `res` with `body` as `contentType`. */
export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType }).end(body);
}

/** Answers `res` with a JSON-RPC error that belongs to no request (id null). */
export function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  send(
    res,
    status,
    'application/json',
    JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }),
  );
}

function hostnameOf(value: string, withScheme: boolean): string | undefined {
  try {
    return new URL(withScheme ? value : `http://${value}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Why a request's `Host` or `Origin` header is refused (DNS-rebinding defence), or undefined when both name
 * an allowed hostname; no `Origin` header is fine (not a browser), and undefined `allowed` accepts any.
 */
export function hostRefusal(
  headers: IncomingHttpHeaders,
  allowed: readonly string[] | undefined,
): string | undefined {
  if (allowed === undefined) return undefined;
  const hostname = hostnameOf(headers.host ?? '', false);
  if (hostname === undefined || !allowed.includes(hostname)) return 'Forbidden: Host header not allowed';
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  const originHost = hostnameOf(origin, true);
  return originHost === undefined || !allowed.includes(originHost)
    ? 'Forbidden: Origin not allowed'
    : undefined;
}

/** The request body, or 'too-large' (the rest discarded unread) once it passes `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** True when a JSON-RPC body (one message or a batch) holds a request, not only notifications or responses. */
export function hasRequest(body: unknown): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some((m) => typeof m === 'object' && m !== null && 'method' in m && 'id' in m);
}
