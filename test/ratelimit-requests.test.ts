// rateLimit() and concurrencyLimit() on resources/read and prompts/get through a real McpServer and Client.
import { auth } from '@mcp-middleware/auth';
import { ERROR_META_KEY, withMiddleware, type AuthInfo, type Middleware } from '@mcp-middleware/core';
import { connectInMemory, manualClock, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { rateLimit } from '@mcp-middleware/ratelimit';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';

const connections: InMemoryConnection[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
});

let who: AuthInfo | undefined;
const as = (clientId: string): void => {
  who = { token: `token-of-${clientId}`, clientId, scopes: [] };
};

async function connect(limiter: Middleware): Promise<InMemoryConnection> {
  const server = new McpServer({ name: 'limits', version: '1.0.0' });
  withMiddleware(server, [auth(), limiter], { clock: manualClock() });
  for (const uri of ['docs://a', 'docs://b']) {
    server.registerResource(uri, uri, {}, () => ({ contents: [{ uri, text: uri }] }));
  }
  server.registerPrompt('greet', {}, () => ({ messages: [] }));
  server.registerTool('echo', {}, () => ({ content: [{ type: 'text', text: 'echo' }] }));
  const connection = await connectInMemory(server, { authInfo: () => who });
  connections.push(connection);
  return connection;
}

/** `ok`, or the refusal's code and message. */
const outcome = (request: Promise<unknown>): Promise<string> =>
  request.then(
    () => 'ok',
    (error: unknown) => {
      if (!(error instanceof McpError)) throw error;
      const detail = (error.data as Record<string, { code?: string }> | undefined)?.[ERROR_META_KEY];
      // The text without the SDK's `MCP error <code>: ` prefixes, however many the path added.
      return `${detail?.code ?? '?'} ${error.code}: ${error.message.replace(/^(MCP error -?\d+: )+/, '')}`;
    },
  );

describe('rateLimit({ operations }) through McpServer and Client', () => {
  it('limits resources/read per principal and URI, apart from tool calls', async () => {
    const { client } = await connect(rateLimit({ limit: 1, operations: ['tools/call', 'resources/read'] }));
    as('alice');
    const seen = [
      await outcome(client.readResource({ uri: 'docs://a' })),
      await outcome(client.readResource({ uri: 'docs://a' })),
      await outcome(client.readResource({ uri: 'docs://b' })),
      await outcome(client.callTool({ name: 'echo' })),
    ];
    as('bob');
    seen.push(await outcome(client.readResource({ uri: 'docs://a' })));
    expect(seen).toEqual([
      'ok',
      'RATE_LIMITED -32603: rate limit for resource `docs://a` exceeded (1 call per 60 s); retry after 60 s',
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('carries retryAfterMs in the JSON-RPC error of a limited read', async () => {
    const { client } = await connect(rateLimit({ limit: 1, operations: ['resources/read'] }));
    as('alice');
    await client.readResource({ uri: 'docs://a' });
    const error = await client.readResource({ uri: 'docs://a' }).then(
      () => undefined,
      (e: unknown) => e as McpError,
    );
    expect(error?.data).toMatchObject({ [ERROR_META_KEY]: { code: 'RATE_LIMITED', retryAfterMs: 60_000 } });
  });

  it('leaves reads and prompts unlimited by default', async () => {
    const { client } = await connect(rateLimit({ limit: 1 }));
    as('alice');
    const seen = [];
    for (let i = 0; i < 3; i++) {
      seen.push(await outcome(client.readResource({ uri: 'docs://a' })));
      seen.push(await outcome(client.getPrompt({ name: 'greet' })));
    }
    expect(seen).toEqual(Array(6).fill('ok'));
  });

  it('limits prompts/get when opted in', async () => {
    const { client } = await connect(rateLimit({ limit: 1, operations: ['prompts/get'] }));
    as('alice');
    expect([
      await outcome(client.getPrompt({ name: 'greet' })),
      (await outcome(client.getPrompt({ name: 'greet' }))).split(' ')[0],
    ]).toEqual(['ok', 'RATE_LIMITED']);
  });
});
