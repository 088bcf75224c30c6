// One config file, two SDK lines: the same pipeline built from the same YAML gives the same answers on an
// SDK 1.32 McpServer and on an SDK 2.x McpServer, on the 2025-11-25 and the 2026-07-28 wire.
import { McpServer as V1Server } from '@modelcontextprotocol/sdk/server/mcp.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_META_KEY, createToolRunner, withMiddleware } from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { createPipeline, loadConfig } from '@mcp-middleware/config';
import { McpServer, connectV2, type V2Connection } from './helpers/sdk-v2.js';

const CONFIG = `
pipeline:
  - logging: { level: silent }
  - auth:
      authInfo: true
      tools:
        delete_*: { scopes: [admin] }
  - rateLimit: { limit: 3, windowMs: 60000 }
  - validation: { maxArgsBytes: 512 }
  - cache: { ttlMs: 60000 }
  - retry: { retries: 2, backoff: { baseDelayMs: 1, maxDelayMs: 1 } }
  - circuitBreaker: { volumeThreshold: 100 }
  - timeout: { timeoutMs: 50 }
tools:
  search:
    rateLimit: { limit: 5 }
`;

const dir = mkdtempSync(join(tmpdir(), 'mcp-parity-'));
const path = join(dir, 'mcp-middleware.yaml');
writeFileSync(path, CONFIG);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The same tools, registered on either line's McpServer (the registerTool call is the same). */
function registerAll(server: { registerTool: (...args: never[]) => unknown }): void {
  const register = server.registerTool.bind(server) as (...args: unknown[]) => unknown;
  let flaky = 0;
  let counted = 0;
  register(
    'search',
    { inputSchema: z.object({ query: z.string().max(20) }), annotations: { readOnlyHint: true } },
    ({ query }: { query: string }) => {
      counted += 1;
      return { content: [{ type: 'text', text: `results for ${query} (run ${counted})` }] };
    },
  );
  register('delete_user', { inputSchema: z.object({ id: z.string() }) }, ({ id }: { id: string }) => ({
    content: [{ type: 'text', text: `deleted ${id}` }],
  }));
  register('flaky', { annotations: { idempotentHint: true } }, () => {
    flaky += 1;
    if (flaky < 3) throw new Error(`attempt ${flaky} failed`);
    return { content: [{ type: 'text', text: `ok after ${flaky}` }] };
  });
  register('slow', {}, () => new Promise((resolve) => setTimeout(() => resolve({ content: [] }), 500)));
}

const CALLS: readonly [string, Record<string, unknown>][] = [
  ['search', { query: 'a' }],
  ['search', { query: 'a' }], // a cache hit: the tool does not run again
  ['search', { query: 'b' }],
  ['search', { query: 'x'.repeat(40) }], // invalid: longer than the schema allows
  ['search', { query: 'y'.repeat(600) }], // over maxArgsBytes
  ['search', { query: 'c' }], // the sixth: past the per-tool limit of 5 (rateLimit runs before the cache)
  ['flaky', {}], // fails twice, retried
  ['slow', {}], // past the deadline
];

/** What a client can observe of one answer, the same way on every line. */
function observe(result: unknown): unknown {
  const r = result as { isError?: boolean; content?: { text?: string }[]; _meta?: Record<string, unknown> };
  const detail = r._meta?.[ERROR_META_KEY] as { code?: string } | undefined;
  return { isError: r.isError === true, code: detail?.code, text: r.content?.map((c) => c.text) };
}

const AUTH = { token: 'user-token', clientId: 'alice', scopes: ['read'] };
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function answers(
  callTool: (name: string, args: Record<string, unknown>) => Promise<unknown>,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, args] of CALLS) out.push(observe(await callTool(name, args)));
  return out;
}

async function v1Answers(): Promise<{ calls: unknown[]; tools: string[] }> {
  const built = await createPipeline(loadConfig(path));
  const server = new V1Server({ name: 'parity', version: '1.0.0' });
  registerAll(server);
  withMiddleware(server, built.middlewares);
  const connection: InMemoryConnection = await connectInMemory(server, { authInfo: AUTH });
  open.push(connection, built);
  const tools = (await connection.client.listTools()).tools.map((t) => t.name);
  return {
    calls: await answers((name, args) => connection.client.callTool({ name, arguments: args })),
    tools,
  };
}

async function v2Answers(era: 'legacy' | 'modern'): Promise<{ calls: unknown[]; tools: string[] }> {
  const built = await createPipeline(loadConfig(path));
  const runner = createToolRunner(built.middlewares);
  // One server for the whole conversation, even where the wire builds one per request: tool state (the
  // flaky counter) must be the same as on v1.
  const server = new McpServer({ name: 'parity', version: '1.0.0' });
  registerAll(server);
  const connection: V2Connection = await connectV2(
    era,
    () => {
      const fresh = new McpServer({ name: 'parity', version: '1.0.0' });
      const registry = (server as unknown as { _registeredTools: Record<string, { handler: unknown }> })
        ._registeredTools;
      for (const [name, tool] of Object.entries(registry)) {
        const config = tool as unknown as { inputSchema?: unknown; annotations?: unknown };
        fresh.registerTool(
          name,
          { inputSchema: config.inputSchema as never, annotations: config.annotations as never },
          tool.handler as never,
        );
      }
      return withMiddleware(fresh, runner);
    },
    { authInfo: AUTH },
  );
  open.push(connection, built);
  const tools = (await connection.client.listTools()).tools.map((t) => t.name);
  return {
    calls: await answers((name, args) => connection.client.callTool({ name, arguments: args })),
    tools,
  };
}

describe('one config file on SDK 1.32 and SDK 2.x', () => {
  it('gives the same answers, call for call, on the 2025-11-25 and the 2026-07-28 wire', async () => {
    const v1 = await v1Answers();
    expect(v1.tools).toEqual(['search', 'flaky', 'slow']);
    const codes = (v1.calls as { code?: string }[]).map((c) => c.code);
    expect(codes).toEqual([
      undefined,
      undefined,
      undefined,
      'INVALID_ARGUMENTS',
      'PAYLOAD_TOO_LARGE',
      'RATE_LIMITED',
      undefined,
      'TIMEOUT',
    ]);
    for (const era of ['legacy', 'modern'] as const) {
      const v2 = await v2Answers(era);
      expect(v2.tools, era).toEqual(v1.tools);
      expect(v2.calls, era).toEqual(v1.calls);
    }
  });
});
