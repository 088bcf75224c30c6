// The resilience READMEs' pipeline snippets, verbatim, run against the real SDK.
// The snippets run on the system clock; vitest's fake timers stand in for the deadlines and backoff.
// #region order
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { circuitBreaker } from '@mcp-middleware/circuit-breaker';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';

function createServer(): McpServer {
  return withMiddleware(new McpServer({ name: 'search', version: '1.0.0' }), [
    retry(), // each attempt…
    circuitBreaker(), // …is counted by the breaker…
    timeout({ timeoutMs: 10_000 }), // …and gets its own deadline
  ]);
}
// #endregion

// #region overall-deadline
const pipeline = [
  timeout({ timeoutMs: 25_000 }), // the whole call, retries and backoff included
  retry({ retries: 5, maxRetryTimeMs: 25_000 }),
  circuitBreaker(),
  timeout({ timeoutMs: 10_000 }), // one attempt
];
// #endregion

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_META_KEY } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

const hang = (): Promise<CallToolResult> => new Promise<CallToolResult>(() => undefined);
const codeOf = (result: unknown): unknown =>
  ((result as CallToolResult)._meta?.[ERROR_META_KEY] as { code?: string } | undefined)?.code;

describe('resilience README examples', () => {
  it('retries an attempt that hit its deadline, with a fresh deadline for the next one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = createServer();
    let calls = 0;
    server.registerTool('search', { annotations: { readOnlyHint: true } }, () =>
      ++calls === 1 ? hang() : { content: [{ type: 'text', text: 'found' }] },
    );
    const { client, close } = await connectInMemory(server);
    const pending = client.callTool({ name: 'search' });
    await vi.advanceTimersByTimeAsync(10_100);
    const result = await pending;
    await close();
    expect(result.content).toEqual([{ type: 'text', text: 'found' }]);
    expect(calls).toBe(2);
  });

  it('ends the whole call at the outer deadline while attempts keep timing out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = withMiddleware(new McpServer({ name: 'search', version: '1.0.0' }), pipeline);
    let calls = 0;
    server.registerTool('search', { annotations: { readOnlyHint: true } }, () => {
      calls++;
      return hang();
    });
    const { client, close } = await connectInMemory(server);
    let settled: unknown;
    void client.callTool({ name: 'search' }).then((result) => (settled = result));
    await vi.advanceTimersByTimeAsync(24_999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(settled).toBeDefined());
    await close();
    expect(codeOf(settled)).toBe('TIMEOUT');
    expect(calls).toBe(3);
  });
});
