// Property tests: random and hostile payloads through validation() give tool results or MiddlewareErrors only.
import fc from 'fast-check';
import { afterEach, describe, it } from 'vitest';
import { z } from 'zod';
import {
  createToolRunner,
  errorDetailOf,
  isToolResult,
  type CallToolResult,
  type ToolArgs,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { validation } from '@mcp-middleware/validation';

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

afterEach(() => {
  // If a payload ever got through, leave the next test a clean prototype (the test has failed already).
  for (const key of Object.getOwnPropertyNames(Object.prototype)) {
    if (!PROTOTYPE_KEYS.includes(key)) delete (Object.prototype as Record<string, unknown>)[key];
  }
});

// The handler every payload reaches when validation() lets it through: a naive deep merge, the classic
// prototype-pollution sink. Only the guards stand between a payload and Object.prototype.
function naiveMerge(target: Record<string, unknown>, source: unknown): void {
  if (typeof source !== 'object' || source === null) return;
  for (const key in source) {
    const value = (source as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      naiveMerge(target[key] as Record<string, unknown>, value);
    } else {
      target[key] = value;
    }
  }
}

const extra: ToolExtra = createTestExtra({ requestId: 1 });

const plain: ToolInfo = { name: 'ingest' };
const jsonSchemaTool: ToolInfo = {
  name: 'create',
  inputSchema: {
    type: 'object',
    properties: { title: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
  },
};
const zodTool: ToolInfo = { name: 'update' };

const runner = createToolRunner(
  [
    validation({
      tools: {
        update: {
          inputSchema: z.object({
            id: z.number().optional(),
            patch: z.record(z.string(), z.unknown()).optional(),
          }),
          rules: (args) => (args.id === 0 ? { path: 'id', message: 'must not be 0' } : undefined),
        },
      },
    }),
  ],
  { debug: false },
);

async function callWith(tool: ToolInfo, args: unknown): Promise<CallToolResult> {
  return runner.run(tool, args as ToolArgs, extra, (ctx) => {
    naiveMerge({}, ctx.args);
    return { content: [{ type: 'text', text: 'ok' }] };
  });
}

// `{"a":{"__proto__":{"polluted":…}}}` and the like, parsed from JSON so the keys are own keys.
const pollution = fc
  .tuple(
    fc.array(fc.constantFrom('a', 'filter', '0', 'x y'), { maxLength: 4 }),
    fc.constantFrom(['__proto__'], ['constructor', 'prototype'], ['prototype'], ['constructor']),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map(([path, attack, value]) => {
    let json = JSON.stringify({ polluted: value });
    for (const key of [...path, ...attack].reverse()) json = `{${JSON.stringify(key)}:${json}}`;
    return JSON.parse(json) as unknown;
  });

const anyPayload = fc.oneof(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    maxDepth: 6,
  }),
  fc.jsonValue({ maxDepth: 8 }),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })),
  pollution,
);

const PROTOTYPE_SIGNATURE = PROTOTYPE_KEYS.join();

// Plain checks rather than expect(): this runs 11 000 times.
function assertSafe(result: CallToolResult): void {
  if (!isToolResult(result)) throw new Error(`not a tool result: ${JSON.stringify(result)}`);
  const code = result.isError === true ? errorDetailOf(result)?.code : undefined;
  if (result.isError === true && code !== 'INVALID_ARGUMENTS' && code !== 'PAYLOAD_TOO_LARGE') {
    throw new Error(`unexpected failure ${String(code)}: ${JSON.stringify(result.content)}`);
  }
  if (Object.getOwnPropertyNames(Object.prototype).sort().join() !== PROTOTYPE_SIGNATURE) {
    throw new Error('Object.prototype was polluted');
  }
  if (({} as Record<string, unknown>).polluted !== undefined)
    throw new Error('Object.prototype was polluted');
}

describe('validation() under random payloads', () => {
  it('answers 10 000 random payloads with tool results or MiddlewareErrors, never polluting Object.prototype', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(plain, jsonSchemaTool, zodTool), anyPayload, async (tool, payload) => {
        assertSafe(await callWith(tool, payload));
      }),
      { numRuns: 10_000 },
    );
  });

  it('refuses every prototype-pollution payload with INVALID_ARGUMENTS', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(plain, jsonSchemaTool), pollution, async (tool, payload) => {
        const result = await callWith(tool, { payload });
        assertSafe(result);
        return errorDetailOf(result)?.code === 'INVALID_ARGUMENTS';
      }),
      { numRuns: 1000 },
    );
  });
});
