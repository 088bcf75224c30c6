// The README's snippets, verbatim, run against the real SDK: if they stop compiling or working, this fails.
// #region smallest-usage
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { when, withMiddleware } from '@mcp-middleware/core';
import { hasIdempotencyHint, isTransientFailure, retry, retryBudget } from '@mcp-middleware/retry';
import { z } from 'zod';

function createServer(forecastFor: (city: string) => Promise<string>): McpServer {
  const server = withMiddleware(new McpServer({ name: 'weather', version: '1.0.0' }), [retry()]);
  server.registerTool(
    'forecast',
    { inputSchema: { city: z.string() }, annotations: { readOnlyHint: true } },
    async ({ city }) => ({ content: [{ type: 'text', text: await forecastFor(city) }] }),
  );
  return server;
}
// #endregion

// #region opt-in
// upsert_contact carries no hints, but its writes are keyed by email: safe to repeat.
const contacts = retry({
  idempotent: (tool) => hasIdempotencyHint(tool) || tool.name === 'upsert_contact',
});
// #endregion

// #region tool-errors
// This tool answers isError when its upstream says "busy"; retry those answers too.
const patient = retry({
  retries: 4,
  backoff: { baseDelayMs: 250, maxDelayMs: 4_000 },
  shouldRetry: (outcome) => isTransientFailure(outcome) || outcome.kind === 'tool_error',
});
// #endregion

// #region shared-budget
// Two scopes call the same CRM: one budget caps their retries together
// at 10% of their calls plus 1 per second.
const crmBudget = retryBudget({ ratio: 0.1, minRetriesPerSecond: 1 });
const crmPipeline = [
  when('crm_search_*', retry({ budget: crmBudget })),
  when('crm_sync_*', retry({ budget: crmBudget, retries: 5 })),
];
// #endregion

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectInMemory, manualClock } from '@mcp-middleware/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

/** Runs the manual clock until `promise` settles. */
async function drive<T>(clock: ReturnType<typeof manualClock>, promise: Promise<T>): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  for (let i = 0; !done && i < 100; i++) await clock.runNext();
  return tracked;
}

describe('README examples', () => {
  it('heals a forecast whose upstream failed once', async () => {
    // The snippet runs on the system clock: fake timers stand in for the backoff wait.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let calls = 0;
    const forecastFor = (city: string): Promise<string> =>
      ++calls === 1 ? Promise.reject(new Error('ECONNRESET')) : Promise.resolve(`Sunny in ${city}`);
    const { client, close } = await connectInMemory(createServer(forecastFor));
    const pending = client.callTool({ name: 'forecast', arguments: { city: 'Lyon' } });
    await vi.advanceTimersByTimeAsync(100);
    const result = await pending;
    await close();
    expect(result.content).toEqual([{ type: 'text', text: 'Sunny in Lyon' }]);
    expect(calls).toBe(2);
  });

  it('retries upsert_contact although it carries no hints', async () => {
    const clock = manualClock();
    const server = withMiddleware(new McpServer({ name: 'crm', version: '1.0.0' }), [contacts], { clock });
    let calls = 0;
    server.registerTool('upsert_contact', {}, () => {
      if (++calls === 1) throw new Error('ETIMEDOUT');
      return { content: [{ type: 'text', text: 'saved' }] };
    });
    const { client, close } = await connectInMemory(server);
    const result = (await drive(clock, client.callTool({ name: 'upsert_contact' }))) as CallToolResult;
    await close();
    expect(result.content).toEqual([{ type: 'text', text: 'saved' }]);
  });

  it('retries isError answers when shouldRetry asks for them', async () => {
    const clock = manualClock();
    const server = withMiddleware(new McpServer({ name: 'queue', version: '1.0.0' }), [patient], { clock });
    let calls = 0;
    server.registerTool('status', { annotations: { readOnlyHint: true } }, () =>
      ++calls < 3
        ? { content: [{ type: 'text', text: 'busy' }], isError: true }
        : { content: [{ type: 'text', text: 'idle' }] },
    );
    const { client, close } = await connectInMemory(server);
    const result = (await drive(clock, client.callTool({ name: 'status' }))) as CallToolResult;
    await close();
    expect(result.content).toEqual([{ type: 'text', text: 'idle' }]);
  });

  it('stops retrying in both scopes once their shared budget is spent', async () => {
    const clock = manualClock();
    const server = withMiddleware(new McpServer({ name: 'crm', version: '1.0.0' }), crmPipeline, { clock });
    const calls = { search: 0, sync: 0 };
    const annotations = { readOnlyHint: true };
    server.registerTool('crm_search_people', { annotations }, () => {
      calls.search++;
      throw new Error('503 from CRM');
    });
    server.registerTool('crm_sync_accounts', { annotations }, () => {
      calls.sync++;
      throw new Error('503 from CRM');
    });
    const { client, close } = await connectInMemory(server);
    for (let i = 0; i < 6; i++) await drive(clock, client.callTool({ name: 'crm_search_people' }));
    await drive(clock, client.callTool({ name: 'crm_sync_accounts' }));
    await close();
    expect(calls.search).toBe(16); // 6 calls, 10 retries: the floor of 1 per second over 10 s
    expect(calls.sync).toBe(1);
  });
});
