// The per-operation options of metrics, retry, circuitBreaker and timeout in config files.
import { createToolRunner } from '@mcp-middleware/core';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import { createPipeline } from './pipeline.js';
import { configJsonSchema } from './schema.js';

function problemsOf(input: unknown): string[] {
  try {
    loadConfig(input as Record<string, unknown>);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('operations, totalTimeoutMs and otel in config files', () => {
  it('runs retry, circuitBreaker and timeout on reads and prompt gets by default', async () => {
    const built = await createPipeline(
      loadConfig({ pipeline: [{ retry: {} }, { circuitBreaker: {} }, { timeout: { timeoutMs: 1000 } }] }),
    );
    const runner = createToolRunner(built.middlewares);
    expect(runner.handles('resources/read')).toBe(true);
    expect(runner.handles('prompts/get')).toBe(true);
    await built.close();
  });

  it("keeps them to tool calls with operations: ['tools/call']", async () => {
    const only = { operations: ['tools/call'] };
    const built = await createPipeline(
      loadConfig({
        pipeline: [{ retry: only }, { circuitBreaker: only }, { timeout: { timeoutMs: 1000, ...only } }],
      }),
    );
    const runner = createToolRunner(built.middlewares);
    expect(runner.handles('resources/read')).toBe(false);
    expect(runner.handles('prompts/get')).toBe(false);
    await built.close();
  });

  it('refuses an operation these middlewares cannot run on, naming the path', () => {
    expect(problemsOf({ pipeline: [{ timeout: { timeoutMs: 5, operations: ['tools/list'] } }] })).toEqual([
      'pipeline[0].timeout.operations[0]: expected one of "tools/call", "resources/read", "prompts/get", got "tools/list"',
    ]);
    expect(problemsOf({ pipeline: [{ retry: { operations: [] } }] })).toEqual([
      'pipeline[0].retry.operations: expected at least one operation, got a list of 0',
    ]);
  });

  it("passes retry's totalTimeoutMs to the factory, checked as a duration", async () => {
    expect(problemsOf({ pipeline: [{ retry: { totalTimeoutMs: 0 } }] })).toEqual([
      'pipeline[0].retry.totalTimeoutMs: expected an integer from 1 to 2147483647, got 0',
    ]);
    const built = await createPipeline(loadConfig({ pipeline: [{ retry: { totalTimeoutMs: 5000 } }] }));
    expect(built.describe('search')).toEqual(['retry {"totalTimeoutMs":5000}']);
    await built.close();
  });

  it('measures prompts by name up to maxPrompts, and accepts otel: true (the global meter)', async () => {
    const built = await createPipeline(
      loadConfig({ pipeline: [{ metrics: { maxPrompts: 3, otel: true } }] }),
    );
    const [observe] = built.middlewares as unknown as [{ registry: Registry }];
    expect(observe.registry).toBeDefined();
    expect(createToolRunner(built.middlewares).handles('tools/list')).toBe(true);
    await built.close();
  });

  it('describes the new options in the JSON Schema', () => {
    const text = JSON.stringify(configJsonSchema());
    for (const key of ['operations', 'totalTimeoutMs', 'maxPrompts', 'otel'])
      expect(text).toContain(`"${key}"`);
  });
});
