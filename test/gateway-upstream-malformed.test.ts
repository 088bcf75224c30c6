// Every request gets an answer, upstream too: a stdio upstream that answers a call with a malformed response
// used to leave the call waiting for the request timeout (the SDK's reader drops what its schema refuses).
// Now the call fails at once with a message saying what the upstream sent, the gateway keeps serving, and a
// malformed request from the upstream gets -32600 back.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { MALFORMED } from './fixtures/upstream-raw.js';
import { stdioFixture } from './fixtures/stdio-fixture.js';

let gateway: Gateway;
let client: Client;

beforeAll(async () => {
  // A timeout no test waits out: a call left unanswered fails the test by its own timeout instead.
  gateway = await createGateway({ upstream: stdioFixture('upstream-raw.ts'), requestTimeoutMs: 600_000 });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await gateway.connect(serverSide);
  client = new Client({ name: 'malformed', version: '1.0.0' }, { capabilities: { roots: {} } });
  client.setRequestHandler(
    (await import('@modelcontextprotocol/sdk/types.js')).ListRootsRequestSchema,
    () => ({
      roots: [],
    }),
  );
  await client.connect(clientSide);
});
afterAll(async () => {
  await client.close();
  await gateway.close({ drainTimeoutMs: 0 });
});

describe('a malformed answer from a stdio upstream', () => {
  it.each(Object.keys(MALFORMED))(
    'fails the tools/call it answers (%s) at once, as an upstream error',
    async (name) => {
      const result = await client.callTool({ name, arguments: {} });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/upstream/i);
    },
  );

  it.each(Object.keys(MALFORMED))(
    'fails the prompts/get it answers (%s) at once, naming the fault',
    async (name) => {
      await expect(client.getPrompt({ name })).rejects.toThrow(/not a valid JSON-RPC response|result|error/);
    },
  );

  it('answers a malformed request from the upstream with -32600 naming the field', async () => {
    const result = await client.callTool({ name: 'ask', arguments: {} });
    const error = JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? '{}') as {
      code?: number;
      message?: string;
    };
    expect(error.code).toBe(-32600);
    expect(error.message).toContain('params: expected object, received array');
  });

  it('takes a JSON log line carrying the request id for no answer, and answers with the real one', async () => {
    const result = await client.callTool({ name: 'log_line', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'logged' }]);
    await expect(client.getPrompt({ name: 'log_line' })).resolves.toMatchObject({ messages: [] });
  });

  it('goes on serving after every one of them', async () => {
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('ask');
  });
});
