/**
 * SDK v2 (`@modelcontextprotocol/server` and `/client` 2.x) servers and clients for tests, on both protocol
 * eras: `legacy` (2025-11-25, a stateful in-memory connection) and `modern` (2026-07-28, stateless
 * Streamable HTTP through `createMcpHandler`, served in process through the client's `fetch`).
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  InMemoryTransport,
  McpServer,
  Server,
  createMcpHandler,
  type AuthInfo,
  type ClientCapabilities,
} from '@modelcontextprotocol/server';

export type Era = 'legacy' | 'modern';
export const ERAS: readonly Era[] = ['legacy', 'modern'];

/** One JSON-RPC message as the server wrote it, for byte-level checks. */
export type WireMessage = Record<string, unknown>;

export interface V2Connection {
  readonly client: Client;
  /** Every JSON-RPC message the server sent, in order. */
  readonly wire: WireMessage[];
  /** How many server instances the factory built (one per request on the modern era). */
  readonly built: () => number;
  close(): Promise<void>;
}

export interface V2ConnectOptions {
  /** Given to the server as an HTTP auth layer would (modern: per request; legacy: on every message). */
  readonly authInfo?: AuthInfo | undefined;
  /** What the client declares (elicitation, sampling, roots…). */
  readonly capabilities?: ClientCapabilities | undefined;
}

function parseSse(text: string): WireMessage[] {
  const messages: WireMessage[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice(6)) as WireMessage);
  }
  return messages;
}

/** Closes the client, then what served it. */
const closing = (client: Client, serving: { close(): Promise<void> }) => async (): Promise<void> => {
  await client.close();
  await serving.close();
};

/**
 * Connects a v2 client to servers built by `factory`. On `legacy` the factory runs once and the server
 * keeps a connection; on `modern` it runs for every HTTP request, as `createMcpHandler` does.
 */
export async function connectV2(
  era: Era,
  factory: () => McpServer | Server,
  options: V2ConnectOptions = {},
): Promise<V2Connection> {
  const wire: WireMessage[] = [];
  let built = 0;
  const make = (): McpServer | Server => {
    built += 1;
    return factory();
  };
  if (era === 'legacy') {
    const server = make();
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const serverSend = serverTransport.send.bind(serverTransport);
    serverTransport.send = (message, sendOptions) => {
      wire.push(structuredClone(message));
      return serverSend(message, sendOptions);
    };
    const { authInfo } = options;
    if (authInfo !== undefined) {
      const clientSend = clientTransport.send.bind(clientTransport);
      clientTransport.send = (message, sendOptions) => clientSend(message, { ...sendOptions, authInfo });
    }
    const client = new Client(
      { name: 'v2-test-client', version: '1.0.0' },
      { capabilities: options.capabilities ?? {} },
    );
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    return { client, wire, built: () => built, close: closing(client, server) };
  }
  const handler = createMcpHandler(make, { legacy: 'reject' });
  const fetchLike = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await handler.fetch(
      new Request(url, init),
      options.authInfo === undefined ? undefined : { authInfo: options.authInfo },
    );
    const text = await response.clone().text();
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('event-stream')) wire.push(...parseSse(text));
    else if (type.includes('json') && text !== '') wire.push(JSON.parse(text) as WireMessage);
    return response;
  };
  const client = new Client(
    { name: 'v2-test-client', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' }, capabilities: options.capabilities ?? {} },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://mcp.test/mcp'), { fetch: fetchLike }),
  );
  if (client.getNegotiatedProtocolVersion?.() !== '2026-07-28') {
    throw new Error(
      `the v2 client negotiated ${String(client.getNegotiatedProtocolVersion?.())}, not 2026-07-28`,
    );
  }
  return { client, wire, built: () => built, close: closing(client, handler) };
}

/** The last response the server sent (the one with an `id`), as it went on the wire. */
export function lastResponse(wire: readonly WireMessage[]): WireMessage {
  for (let i = wire.length - 1; i >= 0; i -= 1) {
    const message = wire[i] as WireMessage;
    if ('id' in message && ('result' in message || 'error' in message)) return message;
  }
  throw new Error('no response on the wire');
}

export { McpServer, Server };
