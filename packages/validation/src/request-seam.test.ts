// validation() on withMiddleware's request seam: tool arguments before the SDK parses them, params of every request.
import {
  EventChannel,
  createToolRunner,
  errorDetailOf,
  type CallToolResult,
  type MiddlewareEvent,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { createTestExtra, stubHandler, textResult } from '@mcp-middleware/core/testing';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ValidationOptions } from './options.js';
import { validation } from './validation.js';

const extra: ToolExtra = createTestExtra({ requestId: 1 });

const textOf = (result: CallToolResult): string => (result.content[0] as { text: string }).text;

// An McpServer tool as withMiddleware describes it: the zod object the SDK built from the raw shape.
const search: ToolInfo = Object.freeze({
  name: 'search',
  inputSchema: z.object({ text: z.string(), limit: z.number().int().default(10) }),
});

function seam(options?: ValidationOptions): {
  call: (
    tool: ToolInfo,
    params: Record<string, unknown>,
    handler?: ReturnType<typeof stubHandler>,
  ) => Promise<CallToolResult>;
  request: (method: string, params: Record<string, unknown> | undefined) => Promise<unknown>;
  events: MiddlewareEvent[];
} {
  const channel = new EventChannel();
  const events: MiddlewareEvent[] = [];
  channel.subscribe((event) => events.push(event));
  const runner = createToolRunner([validation(options)], { events: channel, debug: false });
  return {
    call: (tool, params, handler = stubHandler()) => runner.call(tool, params, extra, handler),
    request: (method, params) =>
      runner.request(method, params, undefined, extra, () => Promise.resolve({ answered: method })),
    events,
  };
}

describe('validation() before the SDK parses tool arguments', () => {
  it("refuses arguments that break an McpServer tool's zod schema, naming each field", async () => {
    const handler = stubHandler();
    const result = await seam().call(search, { name: 'search', arguments: { text: 3, limit: 1.5 } }, handler);
    expect(errorDetailOf(result)?.code).toBe('INVALID_ARGUMENTS');
    expect(textOf(result)).toBe(
      'Invalid arguments for tool `search`:\n' +
        '- text: expected string, received an integer\n' +
        '- limit: expected int, received a number with a fraction\n' +
        'Fix these and call `search` again.',
    );
    expect(handler.calls).toHaveLength(0);
  });

  it('lists the issues in data without echoing the values sent', async () => {
    const result = await seam().call(search, { name: 'search', arguments: { text: 'sk-secret'.length } });
    const detail = errorDetailOf(result);
    expect(detail?.data).toEqual({
      issues: [
        {
          path: 'text',
          message: 'expected string, received an integer',
          expected: 'string',
          received: 'an integer',
        },
      ],
    });
  });

  it("passes the client's arguments on unchanged, not zod's parsed value, since the SDK parses them again", async () => {
    const handler = stubHandler();
    const args = { text: 'mcp', extra: true };
    await seam().call(search, { name: 'search', arguments: args }, handler);
    expect(handler.calls[0]?.args).toBe(args);
  });

  it("runs rules on the parsed value of the tool's own schema, defaults applied", async () => {
    const seen: unknown[] = [];
    const middleware = seam({ tools: { search: { rules: (args) => void seen.push(args) } } });
    await middleware.call(search, { name: 'search', arguments: { text: 'mcp' } });
    expect(seen).toEqual([{ text: 'mcp', limit: 10 }]);
  });

  it("checks a schema given in tools instead of the tool's own, passing its parsed value on", async () => {
    const handler = stubHandler();
    const middleware = seam({
      tools: { search: { inputSchema: z.object({ text: z.string().trim() }).loose() } },
    });
    await middleware.call(search, { name: 'search', arguments: { text: '  mcp ', limit: 'many' } }, handler);
    expect(handler.calls[0]?.args).toEqual({ text: 'mcp', limit: 'many' });
  });

  it('checks a call without arguments as {} against the zod schema', async () => {
    const result = await seam().call(search, { name: 'search' });
    expect(textOf(result)).toContain('- text: required, but missing');
  });

  it("leaves zod schemas to the SDK under toolSchemas: 'json-schema'", async () => {
    const result = await seam({ toolSchemas: 'json-schema' }).call(search, {
      name: 'search',
      arguments: { text: 3 },
    });
    expect(result).toEqual(textResult('ok'));
  });

  it('passes a call to an unknown tool on to the server, which answers it', async () => {
    const handler = stubHandler(() => ({
      content: [{ type: 'text', text: 'Tool nope not found' }],
      isError: true,
    }));
    const result = await seam().call({ name: 'nope' }, { name: 'nope', arguments: { a: 1 } }, handler);
    expect(textOf(result)).toBe('Tool nope not found');
  });

  it('leaves arguments that are not an object to the SDK, which answers the malformed request', async () => {
    const handler = stubHandler();
    await seam().call(search, { name: 'search', arguments: ['text'] }, handler);
    expect(handler.calls).toHaveLength(1);
  });

  it('still guards the size of arguments that are not an object', async () => {
    const result = await seam({ maxStringLength: 10 }).call(search, {
      name: 'search',
      arguments: 'x'.repeat(11),
    });
    expect(errorDetailOf(result)?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it("skips the tool's zod schema, with a warning, when it has no Standard Schema interface", async () => {
    const legacy = { name: 'legacy', inputSchema: { _def: {}, safeParse: () => ({ success: true }) } };
    const { call, events } = seam();
    const handler = stubHandler();
    await call(legacy, { name: 'legacy', arguments: { a: 1 } }, handler);
    expect(handler.calls).toHaveLength(1);
    expect(events.map((event) => event.type)).toEqual(['warning']);
  });
});

describe('validation() output checks on the request seam', () => {
  const reporting: ToolInfo = {
    name: 'report',
    outputSchema: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
  };

  it('checks the structuredContent of the tool result of this call', async () => {
    const handler = stubHandler(() => ({ content: [], structuredContent: { total: 'many' } }));
    const result = await seam().call(reporting, { name: 'report' }, handler);
    expect(errorDetailOf(result)?.code).toBe('OUTPUT_INVALID');
  });

  it('leaves a CreateTaskResult alone', async () => {
    const task = { task: { taskId: 't1', status: 'working' } } as unknown as CallToolResult;
    const handler = stubHandler(() => task);
    const result = await seam({ maxResultBytes: 256 }).call(reporting, { name: 'report', task: {} }, handler);
    expect(result).toBe(task);
  });

  // Every answer that is not the tool's final result (2026-07-28 resultType other than "complete") is a
  // step of the exchange, not the output the schema describes: never checked, never truncated.
  it.each([
    ['input_required', { resultType: 'input_required', inputRequests: {}, requestState: 's' }],
    ['input_required with content', { resultType: 'input_required', content: [], inputRequests: {} }],
    ['a task handle', { resultType: 'task', task: { taskId: 't1', status: 'working' } }],
    ['a task handle with content', { resultType: 'task', content: [], task: { taskId: 't1' } }],
    ['a future kind', { resultType: 'something_new', content: [{ type: 'text', text: 'x'.repeat(400) }] }],
  ])('leaves a non-final answer alone: %s', async (_kind, answer) => {
    const handler = stubHandler(() => answer as unknown as CallToolResult);
    const result = await seam({ maxResultBytes: 256 }).call(reporting, { name: 'report' }, handler);
    expect(result).toBe(answer);
  });

  it('still checks a final answer that says resultType "complete"', async () => {
    const handler = stubHandler(() => ({ resultType: 'complete', content: [] }));
    const result = await seam().call(reporting, { name: 'report' }, handler);
    expect(errorDetailOf(result)?.code).toBe('OUTPUT_INVALID');
  });

  it('leaves the answer of a task-augmented call alone, whatever its shape', async () => {
    const handler = stubHandler(() => ({ content: [] }));
    const result = await seam().call(reporting, { name: 'report', task: { ttl: 1000 } }, handler);
    expect(result).toEqual({ content: [] });
  });
});

describe('validation() on the params of every other request', () => {
  it.each(['resources/read', 'prompts/get', 'tools/list', 'completion/complete', 'logging/setLevel'])(
    'refuses params of %s over maxArgsBytes with PAYLOAD_TOO_LARGE as JSON-RPC -32602',
    async (method) => {
      const error: unknown = await seam({ maxArgsBytes: 1000 })
        .request(method, { uri: 'x'.repeat(2000) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32602);
      expect((error as McpError).message).toContain(
        `The params of \`${method}\` are too large: over the limit of 1000 bytes. Send a smaller request.`,
      );
    },
  );

  it('refuses a string over maxStringLength naming its path, not its value', async () => {
    const error = (await seam({ maxStringLength: 10 })
      .request('prompts/get', { name: 'p', arguments: { topic: 'secret-topic' } })
      .catch((e: unknown) => e)) as McpError;
    expect(error.message).toContain(
      'The string at `arguments.topic` in the params of `prompts/get` has 12 characters',
    );
    expect(error.message).not.toContain('secret-topic');
  });

  it('refuses a __proto__ key in params with INVALID_ARGUMENTS', async () => {
    const params = JSON.parse('{"uri":"a","__proto__":{"x":1}}') as Record<string, unknown>;
    const error = (await seam()
      .request('resources/read', params)
      .catch((e: unknown) => e)) as McpError;
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('Invalid params for `resources/read`:\n- __proto__: the property name');
  });

  it('publishes a reject event for a refused request', async () => {
    const { request, events } = seam({ maxDepth: 2 });
    await request('resources/read', { a: { b: { c: 1 } } }).catch(() => undefined);
    expect(events).toEqual([{ type: 'reject', code: 'INVALID_ARGUMENTS', source: 'validation' }]);
  });

  it('lets params within every limit, and requests without params, through to the server', async () => {
    const { request } = seam();
    await expect(request('resources/read', { uri: 'file:///a' })).resolves.toEqual({
      answered: 'resources/read',
    });
    await expect(request('tools/list', undefined)).resolves.toEqual({ answered: 'tools/list' });
  });

  it('declares one step for every request other than tools/call', () => {
    expect(Object.keys(validation().requests ?? {})).toEqual(['*']);
  });
});

describe('validation() texts with a caller-chosen tool name', () => {
  it('cuts the name of an unknown tool to 128 characters in its refusal', async () => {
    const name = 'n'.repeat(5000);
    const result = await seam({ maxArgsBytes: 100 }).call(
      { name },
      { name, arguments: { a: 'x'.repeat(200) } },
    );
    expect(textOf(result)).toBe(
      `The arguments for tool \`${'n'.repeat(128)}…\` are too large: over the limit of 100 bytes. ` +
        'Send less data, e.g. split the work over several calls.',
    );
  });

  it('cuts it in an INVALID_ARGUMENTS text too', async () => {
    const name = 'n'.repeat(5000);
    const result = await seam({ maxDepth: 1 }).call({ name }, { name, arguments: { a: {} } });
    expect(textOf(result).length).toBeLessThan(500);
    expect(textOf(result)).toContain(`call \`${'n'.repeat(128)}…\` again`);
  });
});
