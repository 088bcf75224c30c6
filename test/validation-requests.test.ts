// validation() on the request-level seam of a real McpServer: tool arguments before the SDK parses them,
// and payload guards on the params of every request.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventChannel, errorDetailOf, withMiddleware, type MiddlewareEvent } from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { validation } from '@mcp-middleware/validation';

const open: InMemoryConnection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const textOf = (result: unknown): string =>
  ((result as CallToolResult).content[0] as { type: 'text'; text: string }).text;

// Over the default maxStringLength (262 144 characters).
const HUGE = 'x'.repeat(300_000);

interface Fixture {
  readonly client: Client;
  readonly seen: unknown[];
  readonly events: MiddlewareEvent[];
}

function register(server: McpServer, seen: unknown[]): McpServer {
  server.registerTool(
    'search',
    {
      inputSchema: {
        text: z.string(),
        limit: z.number().int().default(10),
        // A transform: parsing its output again would fail, so the SDK must get what the client sent.
        tags: z
          .string()
          .transform((s) => s.split(','))
          .optional(),
      },
    },
    (args) => {
      seen.push(args);
      return { content: [{ type: 'text', text: `found ${args.text}` }] };
    },
  );
  server.registerPrompt('greet', { argsSchema: { who: z.string() } }, ({ who }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `hello ${who}` } }],
  }));
  server.registerResource('readme', 'docs://readme', {}, (uri) => ({
    contents: [{ uri: uri.href, text: 'read me' }],
  }));
  return server;
}

async function connect(server: McpServer): Promise<Client> {
  const connection = await connectInMemory(server);
  open.push(connection);
  return connection.client;
}

async function withValidation(): Promise<Fixture> {
  const seen: unknown[] = [];
  const events: MiddlewareEvent[] = [];
  const channel = new EventChannel();
  channel.subscribe((event) => events.push(event));
  const server = new McpServer({ name: 'validation-requests', version: '1.0.0' });
  withMiddleware(server, [validation()], { events: channel });
  register(server, seen);
  return { client: await connect(server), seen, events };
}

async function bare(): Promise<Client> {
  return connect(register(new McpServer({ name: 'validation-requests', version: '1.0.0' }), []));
}

describe('validation() answers tool calls before the SDK parses the arguments', () => {
  it('answers invalid arguments with field paths, not the SDK text, and never runs the tool', async () => {
    const { client, seen } = await withValidation();
    const result = await client.callTool({ name: 'search', arguments: { text: 42, limit: 'ten' } });
    expect(result.isError).toBe(true);
    expect(errorDetailOf(result as CallToolResult)?.code).toBe('INVALID_ARGUMENTS');
    expect(textOf(result)).toBe(
      'Invalid arguments for tool `search`:\n' +
        '- text: expected string, received an integer\n' +
        '- limit: expected number, received a string of 3 characters\n' +
        'Fix these and call `search` again.',
    );
    expect(textOf(result)).not.toContain('Input validation error');
    expect(seen).toEqual([]);
  });

  it('publishes a reject event for the refused call', async () => {
    const { client, events } = await withValidation();
    await client.callTool({ name: 'search', arguments: {} });
    expect(events).toContainEqual({ type: 'reject', code: 'INVALID_ARGUMENTS', source: 'validation' });
  });

  it('lets a valid call reach the tool with the arguments as the SDK parsed them', async () => {
    const { client, seen } = await withValidation();
    const result = await client.callTool({ name: 'search', arguments: { text: 'mcp', tags: 'a,b' } });
    expect(textOf(result)).toBe('found mcp');
    expect(seen).toEqual([{ text: 'mcp', limit: 10, tags: ['a', 'b'] }]);
  });

  it('leaves a call to an unknown tool to the SDK, which answers it as the bare server does', async () => {
    const { client } = await withValidation();
    const expected = await (await bare()).callTool({ name: 'nope', arguments: { a: 1 } });
    const result = await client.callTool({ name: 'nope', arguments: { a: 1 } });
    expect(result).toEqual(expected);
    expect(textOf(result)).toContain('Tool nope not found');
  });

  it('answers arguments that are not an object exactly as the bare server does', async () => {
    const { client, seen } = await withValidation();
    const plain = await bare();
    for (const args of ['text', ['mcp'], 5]) {
      const send = (c: Client): Promise<unknown> =>
        c
          .request(
            { method: 'tools/call', params: { name: 'search', arguments: args } },
            CallToolResultSchema,
          )
          .then(
            (result) => ({ result }),
            (error: unknown) => ({ code: (error as McpError).code, message: (error as McpError).message }),
          );
      const expected = await send(plain);
      expect(expected).toHaveProperty('code');
      expect(await send(client)).toEqual(expected);
    }
    expect(seen).toEqual([]);
  });
});

describe('validation() guards the params of every request', () => {
  const huge: [string, (client: Client) => Promise<unknown>][] = [
    ['resources/read', (client) => client.readResource({ uri: `docs://${HUGE}` })],
    ['prompts/get', (client) => client.getPrompt({ name: 'greet', arguments: { who: HUGE } })],
    ['tools/list', (client) => client.listTools({ cursor: HUGE })],
  ];

  it.each(huge)(
    'answers huge params on %s with a JSON-RPC error -32602 naming the limit',
    async (method, send) => {
      const { client } = await withValidation();
      const error: unknown = await send(client).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32602);
      expect((error as McpError).message).toContain(`in the params of \`${method}\` has 30`);
      expect((error as McpError).message).toContain('over the limit of 262144');
      expect((error as McpError).message).not.toContain('xxxxxxxxxx');
    },
  );

  it('keeps answering after refusing huge params', async () => {
    const { client } = await withValidation();
    for (const [, send] of huge) await send(client).catch(() => undefined);
    const read = await client.readResource({ uri: 'docs://readme' });
    expect(read.contents).toEqual([{ uri: 'docs://readme', text: 'read me' }]);
    const prompt = await client.getPrompt({ name: 'greet', arguments: { who: 'ann' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'hello ann' });
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toEqual(['search']);
  });
});
