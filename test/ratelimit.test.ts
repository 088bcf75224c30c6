// rateLimit() and concurrencyLimit() in front of a real McpServer and Client over InMemoryTransport,
// driven by a manual clock.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ERROR_META_KEY,
  when,
  withMiddleware,
  type AuthInfo,
  type Middleware,
  type Pipeline,
} from '@mcp-middleware/core';
import { connectInMemory, manualClock, type ManualClock } from '@mcp-middleware/core/testing';
import { concurrencyLimit, rateLimit } from '@mcp-middleware/ratelimit';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface Setup {
  readonly clock?: ManualClock;
  readonly authInfo?: () => AuthInfo | undefined;
  /** Runs inside the search tool; lets a test hold calls in progress. */
  readonly handler?: () => Promise<void>;
}

async function serve(pipeline: Pipeline, setup: Setup = {}) {
  const server = new McpServer({ name: 'ratelimit-test', version: '1.0.0' });
  const ran: string[] = [];
  withMiddleware(server, pipeline, { clock: setup.clock ?? manualClock() });
  for (const name of ['search', 'fetch']) {
    server.registerTool(name, { inputSchema: { q: z.string() } }, async ({ q }) => {
      ran.push(q);
      await setup.handler?.();
      return { content: [{ type: 'text', text: `${name}: ${q}` }] };
    });
  }
  const connection = await connectInMemory(server, setup.authInfo ? { authInfo: setup.authInfo } : {});
  closers.push(connection.close);
  const call = (q: string, name = 'search', signal?: AbortSignal) =>
    connection.client.callTool(
      { name, arguments: { q } },
      undefined,
      signal ? { signal } : {},
    ) as Promise<CallToolResult>;
  return { call, ran };
}

const client = (clientId: string): AuthInfo => ({ token: `token-of-${clientId}`, clientId, scopes: [] });
const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

describe('rateLimit() on a real server', () => {
  it('answers the call over the limit with an isError result a model can act on', async () => {
    const { call } = await serve([rateLimit({ limit: 2, windowMs: 60_000 })]);
    await call('1');
    await call('2');
    const result = await call('3');
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('rate limit for tool `search` exceeded (2 calls per 60 s); retry after 60 s');
  });

  it('puts the code, retryAfterMs, limit and remaining in the result _meta', async () => {
    const clock = manualClock();
    const { call } = await serve([rateLimit({ limit: 1, windowMs: 60_000 })], { clock });
    await call('1');
    await clock.advance(20_000);
    const result = await call('2');
    expect(result._meta?.[ERROR_META_KEY]).toEqual({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 40_000,
      data: { limit: 1, remaining: 0, windowMs: 60_000 },
    });
  });

  it('never runs the tool for a rejected call', async () => {
    const { call, ran } = await serve([rateLimit({ limit: 1 })]);
    await call('1');
    await call('2');
    expect(ran).toEqual(['1']);
  });

  it('serves the tool again once windowMs has passed on the clock, without sleeping', async () => {
    const clock = manualClock();
    const { call } = await serve([rateLimit({ limit: 1, windowMs: 60_000 })], { clock });
    await call('1');
    const limited = await call('2');
    await clock.advance(60_000);
    const after = await call('3');
    expect([limited.isError, after.isError]).toEqual([true, undefined]);
  });

  it('gives each OAuth client its own limit', async () => {
    let current = client('app-a');
    const { call, ran } = await serve([rateLimit({ limit: 1 })], { authInfo: () => current });
    await call('a1');
    current = client('app-b');
    await call('b1');
    const b2 = await call('b2');
    expect(ran).toEqual(['a1', 'b1']);
    expect(b2.isError).toBe(true);
  });

  it('puts every anonymous caller in one shared limit', async () => {
    const limiter = rateLimit({ limit: 1 });
    const first = await serve([limiter]);
    const second = await serve([limiter]);
    await first.call('1');
    const result = await second.call('2');
    expect(result.isError).toBe(true);
  });

  it('counts each tool separately by default', async () => {
    const { call, ran } = await serve([rateLimit({ limit: 1 })]);
    await call('1', 'search');
    await call('2', 'fetch');
    expect(ran).toEqual(['1', '2']);
  });

  it('limits only the tools when() selects', async () => {
    const { call, ran } = await serve([when('search', rateLimit({ limit: 1 }))]);
    await call('s1', 'search');
    await call('s2', 'search');
    await call('f1', 'fetch');
    await call('f2', 'fetch');
    expect(ran).toEqual(['s1', 'f1', 'f2']);
  });

  it('queues the call over the limit until the window ends in queue mode', async () => {
    const clock = manualClock();
    const { call, ran } = await serve(
      [rateLimit({ limit: 1, windowMs: 1000, mode: 'queue', maxWaitMs: 2000 })],
      { clock },
    );
    await call('1');
    const queued = call('2');
    await clock.advance(1000);
    const result = await queued;
    expect(result.isError).toBeUndefined();
    expect(ran).toEqual(['1', '2']);
  });
});

describe('concurrencyLimit() on a real server', () => {
  // Calls stay in the tool until the test releases them.
  function gate() {
    const waiting: (() => void)[] = [];
    return {
      handler: () => new Promise<void>((resolve) => waiting.push(resolve)),
      releaseOne: () => waiting.shift()?.(),
      get held() {
        return waiting.length;
      },
    };
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
    expect(condition()).toBe(true);
  }

  it('answers CONCURRENCY_LIMITED while max calls are in progress', async () => {
    const g = gate();
    const { call } = await serve([concurrencyLimit({ max: 1 })], { handler: g.handler });
    const first = call('1');
    await until(() => g.held === 1);
    const second = await call('2');
    g.releaseOne();
    await first;
    expect(second._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'CONCURRENCY_LIMITED', retryable: true });
  });

  it('drops a queued call the client cancels and gives its place to the next one', async () => {
    const g = gate();
    const arrived: string[] = [];
    const spy: Middleware = (ctx, next) => {
      arrived.push(String(ctx.args?.['q']));
      return next(ctx);
    };
    const { call, ran } = await serve([spy, concurrencyLimit({ max: 1, queue: 1 })], { handler: g.handler });
    const first = call('1');
    await until(() => g.held === 1);
    const controller = new AbortController();
    const cancelled = call('2', 'search', controller.signal).catch((e: unknown) => e);
    await until(() => arrived.length === 2);
    controller.abort();
    await cancelled;
    const third = call('3');
    await until(() => arrived.length === 3);
    g.releaseOne();
    await first;
    await until(() => g.held === 1);
    g.releaseOne();
    const result = await third;
    expect(result.isError).toBeUndefined();
    expect(ran).toEqual(['1', '3']);
  });
});
