// The README's snippets, verbatim, run against the real SDK: if they stop compiling or working, this fails.
// #region smallest-usage
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { validation } from '@mcp-middleware/validation';
import { z } from 'zod';

function createServer(): McpServer {
  const server = withMiddleware(new McpServer({ name: 'notes', version: '1.0.0' }), [validation()]);
  server.registerTool('save_note', { inputSchema: { title: z.string(), body: z.string() } }, ({ title }) => ({
    content: [{ type: 'text', text: `saved ${title}` }],
  }));
  return server;
}
// #endregion

// #region low-level
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createToolRunner } from '@mcp-middleware/core';

const createIssue = {
  name: 'create_issue',
  inputSchema: {
    type: 'object' as const,
    properties: {
      title: { type: 'string', minLength: 3 },
      labels: { type: 'array', items: { type: 'string' } },
    },
    required: ['title'],
    additionalProperties: false,
  },
};

function createTracker(): Server {
  const server = new Server({ name: 'tracker', version: '1.0.0' }, { capabilities: { tools: {} } });
  const runner = createToolRunner([validation()]);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [createIssue] }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    runner.run(createIssue, request.params.arguments, extra, (ctx) => ({
      content: [{ type: 'text', text: `created "${String(ctx.args?.title)}"` }],
    })),
  );
  return server;
}
// #endregion

// #region rules
import type { Middleware } from '@mcp-middleware/core';

function paymentsValidation(balanceOf: (account: string) => Promise<number>): Middleware {
  return validation({
    tools: {
      'transfer_*': {
        inputSchema: z.object({ from: z.string(), to: z.string(), amount: z.number().positive() }),
        rules: [
          (args) => (args.from === args.to ? { path: 'to', message: 'must differ from `from`' } : undefined),
          async (args) => {
            const balance = await balanceOf(args.from as string);
            return (args.amount as number) > balance
              ? { path: 'amount', message: `must not exceed the balance of ${balance}` }
              : undefined;
          },
        ],
      },
    },
  });
}
// #endregion

// #region output
// Big results are cut to about 200 kB with a marker telling the model to ask for less.
const bounded = validation({ maxResultBytes: 200_000, oversizedResult: 'truncate' });
// #endregion

// #region per-tool-limits
import { when } from '@mcp-middleware/core';

// write_file takes whole files: larger limits for it alone, the defaults for every other tool.
const guards = [
  when('!write_file', validation()),
  when('write_file', validation({ maxStringLength: 5_000_000, maxArgsBytes: 6_000_000 })),
];
// #endregion

// #region ajv
import { Ajv2020 } from 'ajv/dist/2020.js';

// One ajv for every JSON Schema, with the formats your tools use (or add them all with ajv-formats).
const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
const withFormats = validation({ ajv });
// #endregion

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorDetailOf } from '@mcp-middleware/core';
import { connectInMemory, createTestContext, stubHandler } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';

const textOf = (result: unknown): string =>
  ((result as CallToolResult).content[0] as { type: 'text'; text: string }).text;

describe('README examples', () => {
  it('smallest usage: passes a valid call and refuses a 300 000-character string', async () => {
    const { client, close } = await connectInMemory(createServer());
    const ok = await client.callTool({ name: 'save_note', arguments: { title: 'a', body: 'b' } });
    expect(textOf(ok)).toBe('saved a');
    const huge = await client.callTool({
      name: 'save_note',
      arguments: { title: 'a', body: 'x'.repeat(300_000) },
    });
    expect(errorDetailOf(huge as CallToolResult)?.code).toBe('PAYLOAD_TOO_LARGE');
    await close();
  });

  it("smallest usage: answers arguments that break the tool's zod schema with field paths", async () => {
    const { client, close } = await connectInMemory(createServer());
    const bad = await client.callTool({ name: 'save_note', arguments: { title: 3 } });
    expect(textOf(bad)).toBe(
      'Invalid arguments for tool `save_note`:\n' +
        '- title: expected string, received an integer\n' +
        '- body: required, but missing (expected string)\n' +
        'Fix these and call `save_note` again.',
    );
    await close();
  });

  it('low-level: checks the JSON Schema the tool lists', async () => {
    const server = createTracker();
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'readme', version: '1.0.0' });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    const bad = await client.callTool({ name: 'create_issue', arguments: { title: 'no', labels: 'bug' } });
    expect(textOf(bad)).toBe(
      'Invalid arguments for tool `create_issue`:\n' +
        '- title: expected a string of at least 3 characters, received a string of 2 characters\n' +
        '- labels: expected array, received a string of 3 characters\n' +
        'Fix these and call `create_issue` again.',
    );
    const good = await client.callTool({ name: 'create_issue', arguments: { title: 'Crash on start' } });
    expect(textOf(good)).toBe('created "Crash on start"');
    await client.close();
    await server.close();
  });

  it('rules: reports both rule problems at once', async () => {
    const middleware = paymentsValidation(() => Promise.resolve(100));
    const ctx = createTestContext({
      tool: { name: 'transfer_eur' },
      args: { from: 'a', to: 'a', amount: 500 },
    });
    const error = await middleware(ctx, stubHandler()).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'Invalid arguments for tool `transfer_eur`:\n' +
        '- to: must differ from `from`\n' +
        '- amount: must not exceed the balance of 100\n' +
        'Fix these and call `transfer_eur` again.',
    );
  });

  it('output: truncates a large result with a marker', async () => {
    const big = stubHandler(() => ({ content: [{ type: 'text', text: 'x'.repeat(300_000) }] }));
    const result = await bounded(createTestContext({ args: {} }), big);
    expect(result.content).toHaveLength(2);
    expect(textOf({ content: [result.content[1]] })).toMatch(/^\[truncated: /);
  });

  it('per-tool limits: write_file takes a large string, other tools do not', async () => {
    const run = (name: string) =>
      createToolRunner(guards).run(
        { name },
        { text: 'x'.repeat(1_000_000) },
        createTestContext().extra,
        () => ({
          content: [],
        }),
      );
    expect((await run('write_file')).isError).toBeUndefined();
    expect(errorDetailOf(await run('append_log'))?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('ajv: checks formats added to the given ajv', async () => {
    const tool = {
      name: 'invite',
      inputSchema: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
    };
    const error = await withFormats(
      createTestContext({ tool, args: { email: 'nobody' } }),
      stubHandler(),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toContain('- email: expected a string in the "email" format');
  });
});
