import {
  ConfigError,
  isMiddlewareError,
  type CallToolResult,
  type Middleware,
  type MiddlewareErrorLike,
} from '@mcp-middleware/core';
import {
  createTestContext,
  stubHandler,
  textResult,
  type StubHandler,
  type TestContext,
  type TestContextOptions,
} from '@mcp-middleware/core/testing';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validation } from './validation.js';

interface Outcome {
  readonly result: CallToolResult | undefined;
  readonly error: MiddlewareErrorLike | undefined;
  readonly ctx: TestContext;
  readonly handler: StubHandler;
}

async function call(
  middleware: Middleware,
  options: TestContextOptions,
  handler: StubHandler = stubHandler(),
): Promise<Outcome> {
  const ctx = createTestContext(options);
  try {
    return { result: await middleware(ctx, handler), error: undefined, ctx, handler };
  } catch (error) {
    if (!isMiddlewareError(error)) throw error;
    return { result: undefined, error, ctx, handler };
  }
}

const transferSchema = {
  type: 'object',
  properties: { to: { type: 'string' }, amount: { type: 'number', minimum: 0.01 } },
  required: ['to', 'amount'],
  additionalProperties: false,
};

describe('validation() payload guards', () => {
  it('passes arguments within every limit straight to the handler', async () => {
    const { result, handler, ctx } = await call(validation(), { args: { query: 'mcp', limit: 10 } });
    expect(result).toEqual(textResult('ok'));
    expect(handler.calls[0]).toBe(ctx);
  });

  it('refuses arguments over maxArgsBytes with PAYLOAD_TOO_LARGE, without calling the handler', async () => {
    const { error, handler } = await call(validation({ maxArgsBytes: 1000 }), {
      args: { rows: Array.from({ length: 100 }, () => 'row of data') },
    });
    expect(error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error?.message).toMatch(/over the limit of 1000 bytes\. Send less data/);
    expect(error?.data).toEqual({ limit: 'maxArgsBytes', max: 1000 });
    expect(handler.calls).toHaveLength(0);
  });

  it('refuses nesting deeper than maxDepth with INVALID_ARGUMENTS naming the path', async () => {
    const { error } = await call(validation({ maxDepth: 3 }), { args: { a: { b: { c: { d: 1 } } } } });
    expect(error?.code).toBe('INVALID_ARGUMENTS');
    expect(error?.message).toContain('- a.b.c: nested deeper than the limit of 3 levels');
    expect(error?.data).toMatchObject({ limit: 'maxDepth', max: 3 });
  });

  it('refuses a string over maxStringLength naming its path', async () => {
    const { error } = await call(validation({ maxStringLength: 10 }), {
      args: { notes: ['ok', 'x'.repeat(11)] },
    });
    expect(error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error?.message).toContain('The string at `notes[1]`');
    expect(error?.data).toEqual({ limit: 'maxStringLength', max: 10, path: 'notes[1]' });
  });

  it('refuses an array over maxArrayLength naming it', async () => {
    const { error } = await call(validation({ maxArrayLength: 3 }), { args: { ids: [1, 2, 3, 4] } });
    expect(error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error?.message).toContain('The array at `ids` in the arguments for tool `test_tool` has 4 items');
  });

  it('refuses a __proto__ key from JSON.parse and leaves Object.prototype alone', async () => {
    const args = JSON.parse('{"filter":{"__proto__":{"isAdmin":true}}}') as Record<string, unknown>;
    const { error, handler } = await call(validation(), { args });
    expect(error?.code).toBe('INVALID_ARGUMENTS');
    expect(error?.message).toContain('- filter.__proto__: the property name "__proto__" is not allowed');
    expect(handler.calls).toHaveLength(0);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('allows constructor keys when forbiddenKeys is emptied', async () => {
    const { result } = await call(validation({ forbiddenKeys: [] }), { args: { constructor: 'Ada' } });
    expect(result).toEqual(textResult('ok'));
  });

  it('publishes a reject event with its code and source', async () => {
    const { ctx } = await call(validation({ maxArrayLength: 1 }), { args: { ids: [1, 2] } });
    expect(ctx.events).toEqual([{ type: 'reject', code: 'PAYLOAD_TOO_LARGE', source: 'validation' }]);
  });

  it('names the returned middleware for stack traces', () => {
    expect(validation().name).toBe('validation');
  });
});

describe('validation() schemas carried by the tool', () => {
  it('checks a JSON Schema input schema and lists every problem', async () => {
    const { error, handler } = await call(validation(), {
      tool: { name: 'transfer', inputSchema: transferSchema },
      args: { amount: 'ten', memo: 'rent' },
    });
    expect(error?.code).toBe('INVALID_ARGUMENTS');
    expect(error?.message).toBe(
      'Invalid arguments for tool `transfer`:\n' +
        '- to: required, but missing (expected a value)\n' +
        '- memo: not a known property; remove it\n' +
        '- amount: expected number, received a string of 3 characters\n' +
        'Fix these and call `transfer` again.',
    );
    expect(handler.calls).toHaveLength(0);
  });

  it('lets valid arguments through a JSON Schema unchanged', async () => {
    const args = { to: 'ann', amount: 5 };
    const { handler } = await call(validation(), {
      tool: { name: 'transfer', inputSchema: transferSchema },
      args,
    });
    expect(handler.calls[0]?.args).toBe(args);
  });

  it('checks a call without arguments as {} against the schema', async () => {
    const { error } = await call(validation(), {
      tool: { name: 'transfer', inputSchema: transferSchema },
      args: undefined,
    });
    expect(error?.message).toContain('- to: required, but missing');
  });

  it('skips a zod input schema on a call whose arguments the SDK already parsed (no raw params)', async () => {
    const { result } = await call(validation(), {
      tool: { inputSchema: z.object({ to: z.string() }) },
      args: { to: 42 },
    });
    expect(result).toEqual(textResult('ok'));
  });

  it("checks zod input schemas too under toolSchemas: 'all', passing the parsed args on", async () => {
    const tool = { inputSchema: z.object({ page: z.coerce.number().default(1) }) };
    const middleware = validation({ toolSchemas: 'all' });
    const bad = await call(middleware, { tool, args: { page: 'x' } });
    expect(bad.error?.code).toBe('INVALID_ARGUMENTS');
    const good = await call(middleware, { tool, args: {} });
    expect(good.handler.calls[0]?.args).toEqual({ page: 1 });
  });

  it("ignores the tool's schemas under toolSchemas: 'none'", async () => {
    const { result } = await call(validation({ toolSchemas: 'none' }), {
      tool: { inputSchema: transferSchema },
      args: {},
    });
    expect(result).toEqual(textResult('ok'));
  });

  it('compiles a tool schema once, however many calls', async () => {
    const ajv = new Ajv({ allErrors: true });
    let compiled = 0;
    const counting = {
      compile: (schema: object) => {
        compiled++;
        return ajv.compile(schema);
      },
    };
    const middleware = validation({ ajv: counting });
    const tool = { name: 'transfer', inputSchema: transferSchema };
    for (let i = 0; i < 5; i++) await call(middleware, { tool, args: { to: 'ann', amount: i + 1 } });
    expect(compiled).toBe(1);
  });

  it('refuses calls to a tool whose schema cannot be compiled, and warns', async () => {
    const { error, ctx, handler } = await call(validation(), {
      tool: { name: 'broken', inputSchema: { type: 'object', properties: { a: { type: 'strnig' } } } },
      args: { a: 'x' },
    });
    expect(error?.code).toBe('INTERNAL');
    expect(error?.message).toMatch(/^Tool `broken` cannot be called: its input schema cannot be compiled/);
    expect(ctx.events.map((e) => e.type)).toEqual(['warning', 'reject']);
    expect(handler.calls).toHaveLength(0);
  });
});

describe('validation() tools option', () => {
  it('applies a schema to the tools its glob matches only', async () => {
    const middleware = validation({
      tools: { 'transfer_*': { inputSchema: z.object({ amount: z.number() }) } },
    });
    const matched = await call(middleware, { tool: { name: 'transfer_eur' }, args: { amount: 'x' } });
    expect(matched.error?.code).toBe('INVALID_ARGUMENTS');
    const other = await call(middleware, { tool: { name: 'search' }, args: { amount: 'x' } });
    expect(other.result).toEqual(textResult('ok'));
  });

  it('hands the parsed value of a zod schema to the handler', async () => {
    const middleware = validation({
      tools: { search: { inputSchema: z.object({ q: z.string().trim(), limit: z.number().default(10) }) } },
    });
    const { handler } = await call(middleware, { tool: { name: 'search' }, args: { q: '  mcp ' } });
    expect(handler.calls[0]?.args).toEqual({ q: 'mcp', limit: 10 });
  });

  it('applies every matching entry, in order', async () => {
    const middleware = validation({
      tools: {
        '*': { inputSchema: z.object({ q: z.string() }).loose() },
        search: { inputSchema: { type: 'object', required: ['limit'] } },
      },
    });
    const { error } = await call(middleware, { tool: { name: 'search' }, args: { q: 'x' } });
    expect(error?.message).toContain('- limit: required, but missing');
  });

  it('accepts a raw shape as McpServer does', async () => {
    const middleware = validation({ tools: { search: { inputSchema: { q: z.string() } } } });
    const { error } = await call(middleware, { tool: { name: 'search' }, args: { q: 1 } });
    expect(error?.message).toContain('- q: expected string, received an integer');
  });
});

describe('validation() rules', () => {
  const balance = 100;
  const rules = validation({
    tools: {
      transfer: {
        inputSchema: z.object({ to: z.string(), amount: z.number() }),
        rules: [
          (args) =>
            (args.amount as number) > balance
              ? { path: 'amount', message: `must not exceed the balance of ${balance}` }
              : undefined,
          (args) =>
            args.to === 'self' ? [{ path: ['to'], message: 'cannot transfer to yourself' }] : undefined,
        ],
      },
    },
  });

  it('reports every problem of every rule at once', async () => {
    const { error } = await call(rules, { tool: { name: 'transfer' }, args: { to: 'self', amount: 500 } });
    expect(error?.code).toBe('INVALID_ARGUMENTS');
    expect(error?.data?.issues).toEqual([
      { path: 'amount', message: 'must not exceed the balance of 100' },
      { path: 'to', message: 'cannot transfer to yourself' },
    ]);
  });

  it('lets arguments through when every rule is satisfied', async () => {
    const { result } = await call(rules, { tool: { name: 'transfer' }, args: { to: 'ann', amount: 5 } });
    expect(result).toEqual(textResult('ok'));
  });

  it('does not run rules when the schema already failed', async () => {
    let ran = false;
    const middleware = validation({
      tools: {
        t: {
          inputSchema: z.object({ n: z.number() }),
          rules: () => {
            ran = true;
          },
        },
      },
    });
    await call(middleware, { tool: { name: 't' }, args: { n: 'x' } });
    expect(ran).toBe(false);
  });

  it('runs async rules with the parsed arguments and the call context', async () => {
    const seen: unknown[] = [];
    const middleware = validation({
      tools: {
        t: {
          inputSchema: z.object({ user: z.string().toLowerCase() }),
          rules: async (args, ctx) => {
            seen.push(args, ctx.tool.name);
            await Promise.resolve();
            return args.user === 'root' ? 'the user `root` is reserved; pick another' : undefined;
          },
        },
      },
    });
    const { error } = await call(middleware, { tool: { name: 't' }, args: { user: 'ROOT' } });
    expect(seen).toEqual([{ user: 'root' }, 't']);
    expect(error?.message).toContain('- (root): the user `root` is reserved; pick another');
  });

  it('fails with INTERNAL when a rule returns something else than nothing or problems', async () => {
    const middleware = validation({ tools: { t: { rules: (() => false) as never } } });
    const { error } = await call(middleware, { tool: { name: 't' }, args: {} });
    expect(error?.code).toBe('INTERNAL');
    expect(error?.message).toContain('returned false; a rule returns nothing when the arguments are fine');
  });
});

describe('validation() results', () => {
  const big = stubHandler(() => ({ content: [{ type: 'text', text: 'x'.repeat(5000) }] }));

  it('refuses a result over maxResultBytes with PAYLOAD_TOO_LARGE', async () => {
    const { error, ctx } = await call(validation({ maxResultBytes: 1000 }), { args: {} }, big);
    expect(error?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error?.message).toContain('Ask for less');
    expect(ctx.events).toEqual([{ type: 'reject', code: 'PAYLOAD_TOO_LARGE', source: 'validation' }]);
  });

  it("truncates a result over maxResultBytes with a visible marker under oversizedResult: 'truncate'", async () => {
    const { result, ctx } = await call(
      validation({ maxResultBytes: 1000, oversizedResult: 'truncate' }),
      { args: {} },
      big,
    );
    const blocks = result?.content as { text: string }[];
    expect(blocks).toHaveLength(2);
    expect(blocks[0]?.text.length).toBeLessThan(1000);
    expect(blocks[1]?.text).toMatch(/^\[truncated: /);
    expect(ctx.events.map((e) => e.type)).toEqual(['warning']);
  });

  it('leaves a result under maxResultBytes as it is', async () => {
    const { result } = await call(validation({ maxResultBytes: 1000 }), { args: {} });
    expect(result).toEqual(textResult('ok'));
  });

  const withOutput = {
    name: 'report',
    outputSchema: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
  };

  it("checks structuredContent against the tool's JSON Schema output schema", async () => {
    const handler = stubHandler(() => ({ content: [], structuredContent: { total: 'many' } }));
    const { error } = await call(validation(), { tool: withOutput, args: {} }, handler);
    expect(error?.code).toBe('OUTPUT_INVALID');
    expect(error?.message).toContain(
      '- structuredContent.total: expected number, received a string of 4 characters',
    );
  });

  it('refuses a result without structuredContent when the tool has an output schema', async () => {
    const { error } = await call(validation(), { tool: withOutput, args: {} });
    expect(error?.code).toBe('OUTPUT_INVALID');
    expect(error?.message).toContain('returned no structuredContent');
  });

  it('passes isError results without checking their structuredContent', async () => {
    const handler = stubHandler(() => ({ content: [{ type: 'text', text: 'not found' }], isError: true }));
    const { result } = await call(validation(), { tool: withOutput, args: {} }, handler);
    expect(result?.isError).toBe(true);
  });

  it('skips a zod output schema, which McpServer checks itself', async () => {
    const handler = stubHandler(() => ({ content: [], structuredContent: { total: 'many' } }));
    const { result } = await call(
      validation(),
      { tool: { outputSchema: z.object({ total: z.number() }) } },
      handler,
    );
    expect(result?.structuredContent).toEqual({ total: 'many' });
  });

  it('checks an output schema given in tools, async refinements included', async () => {
    const middleware = validation({
      tools: {
        report: {
          outputSchema: z.object({ total: z.number().refine(async (n) => Promise.resolve(n >= 0)) }),
        },
      },
    });
    const handler = stubHandler(() => ({ content: [], structuredContent: { total: -1 } }));
    const { error } = await call(middleware, { tool: { name: 'report' }, args: {} }, handler);
    expect(error?.code).toBe('OUTPUT_INVALID');
  });
});

describe('validation() options', () => {
  it('refuses an unknown option with a suggestion', () => {
    expect(() => validation({ maxArgBytes: 10 } as never)).toThrow(
      /unknown option maxArgBytes \(did you mean maxArgsBytes\?\)/,
    );
  });

  it.each([
    [{ maxDepth: 0 }, 'maxDepth'],
    [{ maxArgsBytes: Infinity }, 'maxArgsBytes'],
    [{ forbiddenKeys: '__proto__' }, 'forbiddenKeys'],
    [{ toolSchemas: 'zod' }, 'toolSchemas'],
    [{ oversizedResult: 'drop' }, 'oversizedResult'],
    [{ ajv: {} }, 'ajv'],
    [{ tools: { x: { rules: 'no' } } }, 'tools.x.rules'],
    [{ tools: { x: { inputSchema: 'string' } } }, 'tools.x.inputSchema'],
    [{ tools: { x: { inputSchema: { type: 'strnig' } } } }, 'tools.x.inputSchema'],
    [{ tools: { x: { schema: {} } } }, 'tools.x.schema'],
  ])('refuses %j with a ConfigError naming %s', (options, path) => {
    let thrown: unknown;
    try {
      validation(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).path).toBe(path);
  });
});
