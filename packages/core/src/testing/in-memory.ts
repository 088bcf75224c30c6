/** A real McpServer and Client connected over InMemoryTransport, optionally with injected authInfo. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AuthInfo } from '../contract.js';

/** Options of {@link connectInMemory}. */
export interface ConnectOptions {
  /** Sent with every client message, as an HTTP auth layer would set it. */
  readonly authInfo?: AuthInfo | (() => AuthInfo | undefined) | undefined;
}

/** A connected client and a way to close both ends. */
export interface InMemoryConnection {
  readonly client: Client;
  close(): Promise<void>;
}

/**
 * Connects `server` to a new `Client`. The SDK client never sends `authInfo`, so when one is given it is
 * injected on the client side of the transport, exactly where an HTTP layer would put it.
 */
export async function connectInMemory(
  server: McpServer | Server,
  options: ConnectOptions = {},
): Promise<InMemoryConnection> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const { authInfo } = options;
  if (authInfo !== undefined) {
    const send = clientTransport.send.bind(clientTransport);
    clientTransport.send = (message, sendOptions) => {
      const value = typeof authInfo === 'function' ? authInfo() : authInfo;
      return send(message, value === undefined ? sendOptions : { ...sendOptions, authInfo: value });
    };
  }
  const client = new Client({ name: 'mcp-middleware-test-client', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}
