import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createToolRunner,
  type Middleware,
  type Result,
  type ToolExtra,
} from '@mcp-middleware/core';
import { manualClock, createTestExtra } from '@mcp-middleware/core/testing';
import { describeTarget } from '@mcp-middleware/core/helpers';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { concurrencyLimit } from './concurrency-limit.js';
import { rateLimit } from './rate-limit.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });

/** Runs `count` requests of `operation` on `target` through `middleware`; the outcome of each. */
async function outcomes(
  middleware: Middleware,
  requests: readonly [operation: string, target: string][],
): Promise<string[]> {
  const runner = createToolRunner([middleware], { clock: manualClock() });
  const answer = (): Promise<Result> => Promise.resolve({ contents: [] });
  const results: string[] = [];
  for (const [operation, target] of requests) {
    const params = operation === 'resources/read' ? { uri: target } : { name: target };
    results.push(
      await runner.request(operation, params, target, extra(), answer).then(
        () => 'ok',
        (e: McpError) => e.message,
      ),
    );
  }
  return results;
}

describe('operations', () => {
  it('leaves requests other than tool calls alone by default', async () => {
    const limiter = rateLimit({ limit: 1 });
    expect(limiter.requests).toBeUndefined();
    expect(
      await outcomes(limiter, [
        ['resources/read', 'a://1'],
        ['resources/read', 'a://1'],
      ]),
    ).toEqual(['ok', 'ok']);
  });

  it('limits resources/read per URI when opted in', async () => {
    const limiter = rateLimit({ limit: 1, operations: ['tools/call', 'resources/read'] });
    expect(
      await outcomes(limiter, [
        ['resources/read', 'a://1'],
        ['resources/read', 'a://2'],
        ['resources/read', 'a://1'],
      ]),
    ).toEqual(['ok', 'ok', 'rate limit for resource `a://1` exceeded (1 call per 60 s); retry after 60 s']);
  });

  it('keeps a prompt and a resource of the same name in separate limits', async () => {
    const limiter = rateLimit({ limit: 1, operations: ['resources/read', 'prompts/get'] });
    expect(
      await outcomes(limiter, [
        ['resources/read', 'x'],
        ['prompts/get', 'x'],
      ]),
    ).toEqual(['ok', 'ok']);
  });

  it('skips tool calls when tools/call is not listed', () => {
    const limiter = rateLimit({ limit: 1, operations: ['prompts/get'] });
    expect(Object.keys(limiter.requests ?? {})).toEqual(['prompts/get']);
  });

  it('refuses an operation it cannot limit, naming the entry', () => {
    expect(() => rateLimit({ limit: 1, operations: ['tools/list' as 'tools/call'] })).toThrow(ConfigError);
    expect(() => rateLimit({ limit: 1, operations: ['tools/list' as 'tools/call'] })).toThrow(
      'operations[0]',
    );
    expect(() => concurrencyLimit({ max: 1, operations: [] })).toThrow(ConfigError);
    expect(() => concurrencyLimit({ max: 1, operations: ['prompts/get', 'prompts/get'] })).toThrow(
      'operations[1]',
    );
  });

  it('gives concurrencyLimit bulkheads per operation and target', async () => {
    const limiter = concurrencyLimit({ max: 1, operations: ['resources/read'] });
    const runner = createToolRunner([limiter]);
    let release: () => void = () => undefined;
    const held = new Promise<Result>((resolve) => (release = () => resolve({ contents: [] })));
    const first = runner.request('resources/read', { uri: 'a://1' }, 'a://1', extra(), () => held);
    const second = await runner
      .request('resources/read', { uri: 'a://1' }, 'a://1', extra(), () => Promise.resolve({ contents: [] }))
      .then(
        () => 'ok',
        (e: McpError) => e.message,
      );
    const other = await runner
      .request('resources/read', { uri: 'a://2' }, 'a://2', extra(), () => Promise.resolve({ contents: [] }))
      .then(() => 'ok');
    release();
    await first;
    expect([second, other]).toEqual([
      'resource `a://1` is at its concurrency limit (1 call in progress); retry shortly',
      'ok',
    ]);
  });
});

describe('describeTarget', () => {
  it('names each operation as a model reads it, bounded', () => {
    expect(describeTarget({ operation: 'prompts/get', target: 'greet' })).toBe('prompt `greet`');
    expect(describeTarget({ operation: 'completion/complete', target: 'x' })).toBe('completion for `x`');
    expect(describeTarget({ operation: 'resources/read', target: 'u'.repeat(500) }).length).toBeLessThan(150);
  });
});
