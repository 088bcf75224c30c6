// validation() against a real McpServer and Client, and on a low-level Server whose tools carry JSON Schema.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createToolRunner,
  errorDetailOf,
  withMiddleware,
  wrapTool,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { validation } from '@mcp-middleware/validation';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const textOf = (result: unknown): string =>
  ((result as CallToolResult).content[0] as { type: 'text'; text: string }).text;
const codeOf = (result: unknown): string | undefined => errorDetailOf(result as CallToolResult)?.code;

function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 1; i < levels; i++) {
    const next: Record<string, unknown> = {};
    node.child = next;
    node = next;
  }
  return root;
}

async function mcpServer(): Promise<Client> {
  const server = new McpServer({ name: 'validation-test', version: '1.0.0' });
  withMiddleware(server, [
    validation({
      maxStringLength: 1000,
      tools: {
        transfer: {
          rules: (args) =>
            (args.amount as number) > 100
              ? { path: 'amount', message: 'must not exceed the balance of 100' }
              : undefined,
        },
      },
    }),
  ]);
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('ingest', { inputSchema: { data: z.unknown() } }, () => ({
    content: [{ type: 'text', text: 'stored' }],
  }));
  server.registerTool(
    'transfer',
    { inputSchema: { to: z.string(), amount: z.number() } },
    ({ to, amount }) => ({
      content: [{ type: 'text', text: `sent ${amount} to ${to}` }],
    }),
  );
  const { client, close } = await connectInMemory(server);
  closers.push(close);
  return client;
}

describe('validation() on an McpServer', () => {
  it('lets a valid call through to the tool', async () => {
    const client = await mcpServer();
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result).toEqual({ content: [{ type: 'text', text: 'hi' }] });
  });

  it('refuses a string over maxStringLength as a tool execution error with the code in _meta', async () => {
    const client = await mcpServer();
    const result = await client.callTool({ name: 'echo', arguments: { text: 'x'.repeat(1001) } });
    expect(result.isError).toBe(true);
    expect(codeOf(result)).toBe('PAYLOAD_TOO_LARGE');
    expect(textOf(result)).toContain(
      'The string at `text` in the arguments for tool `echo` has 1001 characters',
    );
  });

  it('refuses a __proto__ key hidden in a loosely typed field and leaves Object.prototype alone', async () => {
    const client = await mcpServer();
    const data: unknown = JSON.parse('{"profile":{"__proto__":{"isAdmin":true}}}');
    const result = await client.callTool({ name: 'ingest', arguments: { data } });
    expect(codeOf(result)).toBe('INVALID_ARGUMENTS');
    expect(textOf(result)).toContain(
      '- data.profile.__proto__: the property name "__proto__" is not allowed',
    );
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('refuses 10 000 levels of nesting with a clear error', async () => {
    const client = await mcpServer();
    const result = await client.callTool({ name: 'ingest', arguments: { data: nested(10_000) } });
    expect(codeOf(result)).toBe('INVALID_ARGUMENTS');
    expect(textOf(result)).toMatch(
      /- data(\.child)+: nested deeper than the limit of 32 levels; send a flatter structure/,
    );
  });

  it('refuses 10 MB of arguments with a clear error', async () => {
    const client = await mcpServer();
    const rows = Array.from({ length: 10_000 }, () => 'r'.repeat(1000));
    const result = await client.callTool({ name: 'ingest', arguments: { data: rows } });
    expect(codeOf(result)).toBe('PAYLOAD_TOO_LARGE');
    expect(textOf(result)).toBe(
      'The arguments for tool `ingest` are too large: over the limit of 1048576 bytes. ' +
        'Send less data, e.g. split the work over several calls.',
    );
  });

  it('applies a business rule to the arguments once the tool schema accepted them', async () => {
    const client = await mcpServer();
    const refused = await client.callTool({ name: 'transfer', arguments: { to: 'ann', amount: 500 } });
    expect(codeOf(refused)).toBe('INVALID_ARGUMENTS');
    expect(textOf(refused)).toBe(
      'Invalid arguments for tool `transfer`:\n- amount: must not exceed the balance of 100\n' +
        'Fix this and call `transfer` again.',
    );
    const sent = await client.callTool({ name: 'transfer', arguments: { to: 'ann', amount: 50 } });
    expect(textOf(sent)).toBe('sent 50 to ann');
  });
});

// A low-level Server lists JSON Schema tools itself and checks nothing: validation() does it.
const createIssue: ToolInfo = {
  name: 'create_issue',
  inputSchema: {
    type: 'object',
    properties: {
      title: { type: 'string', minLength: 3 },
      labels: { type: 'array', items: { enum: ['bug', 'feature'] } },
    },
    required: ['title'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: { id: { type: 'integer' } },
    required: ['id'],
  },
};
const search: ToolInfo = {
  name: 'search',
  inputSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { q: { type: 'string' } },
    required: ['q'],
  },
};

async function lowLevelServer(issueId: unknown): Promise<Client> {
  const server = new Server({ name: 'low-level', version: '1.0.0' }, { capabilities: { tools: {} } });
  const runner = createToolRunner([validation()]);
  const searchTool = wrapTool(
    (args: Record<string, unknown> | undefined, _extra: ToolExtra): CallToolResult => ({
      content: [{ type: 'text', text: `found ${String(args?.q)}` }],
    }),
    [validation()],
    search,
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [createIssue, search].map((tool) => ({
      name: tool.name,
      inputSchema: tool.inputSchema as { type: 'object' },
      ...(tool.outputSchema !== undefined && { outputSchema: tool.outputSchema as { type: 'object' } }),
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra: ToolExtra) => {
    if (request.params.name === search.name) return searchTool(request.params.arguments, extra);
    return runner.run(createIssue, request.params.arguments, extra, () => ({
      content: [{ type: 'text', text: 'created' }],
      structuredContent: { id: issueId },
    }));
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'validation-test-client', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  closers.push(async () => {
    await client.close();
    await server.close();
  });
  await client.listTools();
  return client;
}

describe('validation() on a low-level Server with JSON Schema tools', () => {
  it('lets valid arguments through the runner to the tool', async () => {
    const client = await lowLevelServer(7);
    const result = await client.callTool({ name: 'create_issue', arguments: { title: 'Crash on start' } });
    expect(result.structuredContent).toEqual({ id: 7 });
  });

  it('lists every invalid argument so the model can fix them in one try', async () => {
    const client = await lowLevelServer(7);
    const result = await client.callTool({
      name: 'create_issue',
      arguments: { title: 'no', labels: ['bug', 'urgent'], assignee: 'ann' },
    });
    expect(codeOf(result)).toBe('INVALID_ARGUMENTS');
    expect(textOf(result)).toBe(
      'Invalid arguments for tool `create_issue`:\n' +
        '- assignee: not a known property; remove it\n' +
        '- title: expected a string of at least 3 characters, received a string of 2 characters\n' +
        '- labels[1]: expected one of ["bug","feature"], received a string of 6 characters\n' +
        'Fix these and call `create_issue` again.',
    );
  });

  it('puts the same problems in _meta for programs', async () => {
    const client = await lowLevelServer(7);
    const result = await client.callTool({ name: 'create_issue', arguments: {} });
    expect(errorDetailOf(result as CallToolResult)?.data).toEqual({
      issues: [
        {
          path: 'title',
          message: 'required, but missing (expected a value)',
          expected: 'a value',
          received: 'nothing (missing)',
        },
      ],
    });
  });

  it('refuses structuredContent that breaks the output schema', async () => {
    const client = await lowLevelServer('seven');
    const result = await client.callTool({ name: 'create_issue', arguments: { title: 'Crash on start' } });
    expect(codeOf(result)).toBe('OUTPUT_INVALID');
    expect(textOf(result)).toContain(
      '- structuredContent.id: expected integer, received a string of 5 characters',
    );
  });

  it('checks a draft-07 tool wrapped with wrapTool', async () => {
    const client = await lowLevelServer(7);
    const bad = await client.callTool({ name: 'search', arguments: { q: 3 } });
    expect(textOf(bad)).toContain('- q: expected string, received an integer');
    const good = await client.callTool({ name: 'search', arguments: { q: 'mcp' } });
    expect(textOf(good)).toBe('found mcp');
  });
});
