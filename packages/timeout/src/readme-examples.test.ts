// The README's snippets, verbatim, run against the real SDK: if they stop compiling or working, this fails.
// #region smallest-usage
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { when, withMiddleware } from '@mcp-middleware/core';
import { timeout } from '@mcp-middleware/timeout';
import { z } from 'zod';

function createServer(notesDir: string): McpServer {
  const server = withMiddleware(new McpServer({ name: 'notes', version: '1.0.0' }), [
    timeout({ timeoutMs: 10_000 }),
  ]);
  server.registerTool(
    'read_note',
    { inputSchema: { name: z.string().regex(/^[\w-]+$/) } },
    async ({ name }, extra) => {
      // Aborts at the deadline or when the client cancels: hand it to everything that waits.
      const text = await readFile(join(notesDir, `${name}.md`), { encoding: 'utf8', signal: extra.signal });
      return { content: [{ type: 'text', text }] };
    },
  );
  return server;
}
// #endregion

// #region per-tool
const pipeline = [
  when('export_*', timeout({ timeoutMs: 120_000 })),
  when('!export_*', timeout({ timeoutMs: 10_000 })),
];
// #endregion

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_META_KEY } from '@mcp-middleware/core';
import { connectInMemory, manualClock } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';

describe('README examples', () => {
  it('reads a note within the deadline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-timeout-readme-'));
    try {
      await writeFile(join(dir, 'todo.md'), 'buy milk');
      const { client, close } = await connectInMemory(createServer(dir));
      const result = await client.callTool({ name: 'read_note', arguments: { name: 'todo' } });
      await close();
      expect(result.content).toEqual([{ type: 'text', text: 'buy milk' }]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('gives export tools 120 s and every other tool 10 s', async () => {
    const clock = manualClock();
    const server = withMiddleware(new McpServer({ name: 'reports', version: '1.0.0' }), pipeline, { clock });
    const hang = (): Promise<CallToolResult> => new Promise<CallToolResult>(() => undefined);
    server.registerTool('export_csv', {}, hang);
    server.registerTool('search', {}, hang);
    const { client, close } = await connectInMemory(server);
    const settled: string[] = [];
    const call = (name: string) =>
      client.callTool({ name }).then((result) => {
        const code = (result._meta?.[ERROR_META_KEY] as { code: string }).code;
        settled.push(`${name}: ${code}`);
      });
    const calls = Promise.all([call('export_csv'), call('search')]);
    await clock.advance(10_000);
    expect(settled).toEqual(['search: TIMEOUT']);
    await clock.advance(110_000);
    await calls;
    expect(settled).toEqual(['search: TIMEOUT', 'export_csv: TIMEOUT']);
    await close();
  });
});
