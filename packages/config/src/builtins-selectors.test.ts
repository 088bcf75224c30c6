// The options that pick tools and keyBy, as a file writes them: the file's key is the factory's option.
import { compose, type Middleware, type ToolInfo } from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler, textResult } from '@mcp-middleware/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import { createPipeline } from './pipeline.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function pipelineOf(entry: Record<string, unknown>): Promise<Middleware> {
  const built = await createPipeline(loadConfig({ pipeline: [entry] }));
  closers.push(() => built.close());
  return compose(built.middlewares);
}

/** How many times the handler ran for one call of `tool` that fails once with a transient error. */
async function attempts(pipeline: Middleware, tool: Partial<ToolInfo>): Promise<number> {
  const clock = manualClock();
  const handler = stubHandler((_ctx, call) => {
    if (call === 1) throw new Error('connection reset');
    return textResult('ok');
  });
  const settled = pipeline(createTestContext({ clock, tool }), handler).catch(() => undefined);
  while (handler.calls.length < 2 && (await clock.runNext()));
  await settled;
  return handler.calls.length;
}

async function problemsOf(entry: Record<string, unknown>): Promise<string[]> {
  try {
    await pipelineOf(entry);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems.map((p) => p.path);
    throw error;
  }
  return [];
}

describe('retry.idempotent in a file', () => {
  it('retries the tools its globs name, and no other', async () => {
    const pipeline = await pipelineOf({ retry: { idempotent: ['lookup_*', '!lookup_admin'] } });
    expect(await attempts(pipeline, { name: 'lookup_web' })).toBe(2);
    expect(await attempts(pipeline, { name: 'lookup_admin' })).toBe(1);
  });

  it('still reads true and false', async () => {
    expect(await attempts(await pipelineOf({ retry: { idempotent: true } }), { name: 'send' })).toBe(2);
    const none = await pipelineOf({ retry: { idempotent: false } });
    expect(await attempts(none, { name: 'search', annotations: { readOnlyHint: true } })).toBe(1);
  });
});

describe('cache.cacheable in a file', () => {
  const callsOf = async (options: Record<string, unknown>, tool: string): Promise<number> => {
    const pipeline = await pipelineOf({ cache: options });
    const handler = stubHandler();
    for (let i = 0; i < 2; i++) await pipeline(createTestContext({ tool: { name: tool } }), handler);
    return handler.calls.length;
  };

  it('caches the tools its glob names', async () => {
    expect(await callsOf({ cacheable: 'search_*' }, 'search_web')).toBe(1);
    expect(await callsOf({ cacheable: 'search_*' }, 'send')).toBe(2);
  });

  it('still reads tools, its old name', async () => {
    expect(await callsOf({ tools: ['search_*'] }, 'search_web')).toBe(1);
  });
});

describe('circuitBreaker.keyBy in a file', () => {
  it('takes the part names rateLimit takes', async () => {
    expect(await problemsOf({ circuitBreaker: { keyBy: 'global' } })).toEqual([]);
    expect(await problemsOf({ circuitBreaker: { keyBy: ['principal', 'tool'] } })).toEqual([]);
  });

  it('refuses a part name it does not know, at its path', async () => {
    expect(await problemsOf({ circuitBreaker: { keyBy: 'tools' } })).toEqual([
      'pipeline[0].circuitBreaker.keyBy',
    ]);
  });
});
