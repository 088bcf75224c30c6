import { describe, expect, it } from 'vitest';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import { createPipeline } from './pipeline.js';

// The problems a refused config lists, as `path: message` lines.
function problemsOf(input: unknown): string[] {
  let error: unknown;
  try {
    loadConfig(input as Record<string, unknown>);
  } catch (thrown) {
    error = thrown;
  }
  if (!(error instanceof ConfigFileError))
    throw new Error(`expected a ConfigFileError, got ${String(error)}`);
  return error.problems.map(({ path, message }) => `${path}: ${message}`);
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
