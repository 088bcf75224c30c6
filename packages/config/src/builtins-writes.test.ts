import { describe, expect, it } from 'vitest';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import { createPipeline } from './pipeline.js';

function problemsOf(input: unknown): string[] {
  try {
    loadConfig(input as Record<string, unknown>);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('the safe-writes built-ins', () => {
  it('builds a pipeline with approval, idempotency and a cache that sees writes', async () => {
    const config = loadConfig({
      pipeline: [
        { approval: { tools: ['delete_*'], secret: 'x'.repeat(32) } },
        { idempotency: { keyArgs: { create_invoice: ['orderId'] }, ttlMs: 60_000 } },
        { cache: { invalidateOnWrite: 'all', invalidates: { create_entities: ['read_graph'] } } },
      ],
    });
    const built = await createPipeline(config);
    expect(built.middlewares.map((m) => m.name)).toEqual(['approval', 'idempotency', 'cache']);
    await built.close();
  });

  it('refuses a short approval secret, an unknown onStoreError and a bad invalidateOnWrite', () => {
    const problems = problemsOf({
      pipeline: [
        { approval: { secret: 'short' } },
        { idempotency: { onStoreError: 'ignore' } },
        { cache: { invalidateOnWrite: 'sometimes' } },
      ],
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^pipeline\[0\]\.approval\.secret: expected at least 32 characters/);
    expect(problems[1]).toMatch(/^pipeline\[1\]\.idempotency\.onStoreError: /);
    expect(problems[2]).toMatch(/^pipeline\[2\]\.cache\.invalidateOnWrite: /);
  });

  it('refuses invalidates that is not a map of lists', () => {
    expect(problemsOf({ pipeline: [{ cache: { invalidates: { create: 'read_*' } } }] })[0]).toMatch(
      /^pipeline\[0\]\.cache\.invalidates\.create: /,
    );
  });
});
