// Serves McpServers over Streamable HTTP on 127.0.0.1 for tests: one server and transport per session.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface HttpFixture {
  readonly url: URL;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server whose `/mcp` endpoint creates a fresh McpServer (from `makeServer`) per session.
 * `beforeMcp` may answer the request itself (an auth gate), returning true when it did.
 */
export async function serveHttp(
  makeServer: () => McpServer,
  beforeMcp?: (req: IncomingMessage & { auth?: unknown }, res: ServerResponse) => Promise<boolean> | boolean,
): Promise<HttpFixture> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const servers: McpServer[] = [];
  const http: Server = createServer((req, res) => {
    void (async () => {
      if (beforeMcp !== undefined && (await beforeMcp(req, res))) return;
      const sessionId = req.headers['mcp-session-id'];
      let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
      if (transport === undefined) {
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void transports.set(id, transport as StreamableHTTPServerTransport),
        });
        const server = makeServer();
        servers.push(server);
        await server.connect(transport);
      }
      await transport.handleRequest(req, res);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
