/**
 * A loopback reverse proxy that adds `Authorization: Bearer <key>` to every request, as an MCP host app
 * would after sign-in. The conformance client cannot send credentials; with this in front, the servers
 * under test can keep real bearer authentication on. Host and Origin pass through untouched, so the
 * DNS-rebinding checks still reach the server behind it. Responses (SSE included) are streamed back.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening proxy. */
export interface CredentialProxy {
  /** The proxy's address with the target's path. */
  readonly url: URL;
  close(): Promise<void>;
}

/** Proxies `http://127.0.0.1:<free port><path>` to `target`, adding the bearer key. */
export async function credentialProxy(target: URL, key: string): Promise<CredentialProxy> {
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${key}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  };
  const http = createServer(forward);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}${target.pathname}`),
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
