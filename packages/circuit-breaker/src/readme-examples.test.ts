// The README's snippets, verbatim, run against the real SDK: if they stop compiling or working, this fails.
// opossum's reset timer is a real setTimeout: the tests that wait for half-open use vitest's fake timers.
// #region smallest-usage
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { circuitBreaker } from '@mcp-middleware/circuit-breaker';
import { z } from 'zod';

function createServer(priceOf: (sku: string) => Promise<number>): McpServer {
  const server = withMiddleware(new McpServer({ name: 'shop', version: '1.0.0' }), [circuitBreaker()]);
  server.registerTool('price', { inputSchema: { sku: z.string() } }, async ({ sku }) => ({
    content: [{ type: 'text', text: `${sku}: ${await priceOf(sku)} EUR` }],
  }));
  return server;
}
// #endregion

// #region states
const breaker = circuitBreaker({ volumeThreshold: 20, resetTimeoutMs: 15_000 });

/** For a metrics gauge or a health endpoint: the tools whose breaker is not closed. */
function trippedTools(): string[] {
  return [...breaker.states()].filter(([, state]) => state !== 'closed').map(([tool]) => tool);
}
// #endregion

// #region key-and-fallback
// Every tool of one upstream shares a breaker; while it is open, callers get a cached answer.
const lastGood = new Map<string, string>();
const perUpstream = circuitBreaker({
  keyBy: (ctx) => {
    const upstream = ctx.tool._meta?.['upstream'];
    return typeof upstream === 'string' ? upstream : ctx.tool.name;
  },
  fallback: (ctx, error) => ({
    content: [{ type: 'text', text: lastGood.get(ctx.tool.name) ?? error.message }],
    isError: !lastGood.has(ctx.tool.name),
  }),
});
// #endregion

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_META_KEY } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  breaker.shutdown();
  perUpstream.shutdown();
  vi.useRealTimers();
});

const textOf = (result: unknown): string => ((result as CallToolResult).content[0] as { text: string }).text;

describe('README examples', () => {
  it('short-circuits the price tool once its backend keeps failing', async () => {
    let calls = 0;
    const priceOf = (): Promise<number> => {
      calls++;
      return Promise.reject(new Error('pricing service unreachable'));
    };
    const { client, close } = await connectInMemory(createServer(priceOf));
    for (let i = 0; i < 10; i++) await client.callTool({ name: 'price', arguments: { sku: 'A1' } });
    const rejected = await client.callTool({ name: 'price', arguments: { sku: 'A1' } });
    await close();
    expect(calls).toBe(10);
    expect((rejected._meta?.[ERROR_META_KEY] as { code: string }).code).toBe('CIRCUIT_OPEN');
  });

  it('lists the tools whose breaker opened, until a probe closes it again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const server = withMiddleware(new McpServer({ name: 'shop', version: '1.0.0' }), [breaker]);
    let healthy = false;
    server.registerTool('stock', {}, () => {
      if (!healthy) throw new Error('warehouse API down');
      return { content: [{ type: 'text', text: '12 left' }] };
    });
    const { client, close } = await connectInMemory(server);
    for (let i = 0; i < 20; i++) await client.callTool({ name: 'stock' });
    expect(trippedTools()).toEqual(['stock']);
    healthy = true;
    await vi.advanceTimersByTimeAsync(15_000);
    expect(textOf(await client.callTool({ name: 'stock' }))).toBe('12 left');
    expect(trippedTools()).toEqual([]);
    await close();
  });

  it('shares a breaker between the tools of one upstream and answers from the fallback while open', async () => {
    const server = withMiddleware(new McpServer({ name: 'erp', version: '1.0.0' }), [perUpstream]);
    let up = true;
    const tool = (name: string): void => {
      server.registerTool(name, { _meta: { upstream: 'erp.example.com' } }, () => {
        if (!up) throw new Error('502 from ERP');
        lastGood.set(name, `${name}: fresh`);
        return { content: [{ type: 'text', text: `${name}: fresh` }] };
      });
    };
    tool('orders');
    tool('invoices');
    const { client, close } = await connectInMemory(server);
    await client.callTool({ name: 'orders' });
    up = false;
    for (let i = 0; i < 10; i++) await client.callTool({ name: i % 2 === 0 ? 'orders' : 'invoices' });
    const orders = await client.callTool({ name: 'orders' });
    const invoices = await client.callTool({ name: 'invoices' });
    await close();
    expect(perUpstream.states()).toEqual(new Map([['erp.example.com', 'open']]));
    expect(textOf(orders)).toBe('orders: fresh');
    expect(invoices.isError).toBe(true);
    expect(textOf(invoices)).toContain('retry after 30 s');
  });
});
