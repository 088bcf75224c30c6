// Per-tool settings (`tools:`) shape tool calls only: every other request keeps the pipeline's own steps.
import { createToolRunner, type ToolExtra } from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { createPipeline } from './pipeline.js';

const extra: ToolExtra = createTestExtra({ requestId: 1 });

describe('per-tool settings and other requests', () => {
  it('keeps the request steps of every middleware that has a tools: override', async () => {
    const pipeline = [
      { auth: {} },
      { rateLimit: { limit: 10, windowMs: 1000, operations: ['tools/call', 'resources/read'] } },
      { retry: {} },
      { circuitBreaker: {} },
      { timeout: { timeoutMs: 1000 } },
    ];
    const overrides = {
      auth: { tools: { x: { scopes: ['a'] } } },
      rateLimit: { limit: 2 },
      retry: false,
      circuitBreaker: false,
      timeout: { timeoutMs: 50 },
    };
    const bare = await createPipeline(loadConfig({ pipeline }));
    const overridden = await createPipeline(loadConfig({ pipeline, tools: { 'admin_*': overrides } }));
    for (const operation of ['tools/list', 'resources/read', 'prompts/get', 'completion/complete']) {
      expect(createToolRunner(overridden.middlewares).handles(operation), operation).toBe(
        createToolRunner(bare.middlewares).handles(operation),
      );
    }
    expect(createToolRunner(overridden.middlewares).handles('tools/list')).toBe(true);
    await bare.close();
    await overridden.close();
  });

  it('still refuses a list to a caller without credentials when auth has per-tool settings', async () => {
    const built = await createPipeline(
      loadConfig({
        pipeline: [{ auth: {} }],
        tools: { 'admin_*': { auth: { tools: { 'admin_*': { scopes: ['admin'] } } } } },
      }),
    );
    const runner = createToolRunner(built.middlewares);
    const listed = runner.request('tools/list', {}, undefined, extra, () => Promise.resolve({ tools: [] }));
    await expect(listed).rejects.toMatchObject({
      data: { 'io.github.mcp-middleware/error': { code: 'UNAUTHENTICATED' } },
    });
    await built.close();
  });
});
