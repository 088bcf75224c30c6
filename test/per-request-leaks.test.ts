// Servers built per request or per session must not be kept alive by a pipeline they share: after a full
// collection, every one of them (and each pipeline's own event channel) is gone.
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer as V1Server } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { EventChannel, createToolRunner, withMiddleware } from '@mcp-middleware/core';
import { AUTH, addRequest, addTool, fullPipeline } from './fixtures/per-request-servers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const ROUNDS = 150;

async function collected(refs: readonly WeakRef<object>[]): Promise<number> {
  for (let i = 0; i < 6; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return refs.filter((ref) => ref.deref() === undefined).length;
}

describe('servers built per request or per session, sharing one set of middlewares', () => {
  it('SDK 1.32, a pipeline list per session: every server and its channel is collected', async () => {
    const shared = fullPipeline();
    const refs: WeakRef<object>[] = [];
    const session = async (i: number): Promise<object[]> => {
      const events = new EventChannel();
      const server = withMiddleware(new V1Server({ name: 'per-session', version: '1.0.0' }), shared, {
        events,
      });
      addTool(server);
      const [a, b] = InMemoryTransport.createLinkedPair();
      const send = b.send.bind(b);
      b.send = (message, options) => send(message, { ...options, authInfo: AUTH });
      const client = new V1Client({ name: 'leak', version: '1.0.0' });
      await Promise.all([server.connect(a), client.connect(b)]);
      const result = await client.callTool({ name: 'add', arguments: { a: i, b: 1 } });
      expect(result.content).toEqual([{ type: 'text', text: String(i + 1) }]);
      await client.close();
      await server.close();
      return [server, events];
    };
    for (let i = 0; i < ROUNDS; i++) refs.push(...(await session(i)).map((held) => new WeakRef(held)));
    // One more, untracked: what stays reachable only as "the latest session" (a last-seen value) is not a leak.
    await session(ROUNDS);
    expect(await collected(refs)).toBe(refs.length);
  });

  it('SDK 2.x, a server per request on the 2026-07-28 wire with one runner: every server is collected', async () => {
    const runner = createToolRunner(fullPipeline());
    const refs: WeakRef<object>[] = [];
    const handler = createMcpHandler(() => {
      const server = new McpServer({ name: 'per-request', version: '1.0.0' });
      addTool(server);
      refs.push(new WeakRef(server));
      return withMiddleware(server, runner);
    });
    for (let i = 0; i < ROUNDS; i++) {
      const response = await handler.fetch(addRequest(i), { authInfo: AUTH });
      expect(await response.text()).toContain(`"text":"${i + 1}"`);
    }
    expect(refs).toHaveLength(ROUNDS);
    expect(await collected(refs)).toBe(ROUNDS);
    await handler.close();
  });
});
