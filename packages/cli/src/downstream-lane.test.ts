import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  McpError,
  type CallToolRequest,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ToolExtra } from '@mcp-middleware/core';
import { afterEach, describe, expect, it } from 'vitest';
import { attachLane } from './downstream-lane.js';

const aborted: unknown[] = [];

/** One handler for both servers: what it does is chosen by the tool name. */
async function handler(request: CallToolRequest, extra: ToolExtra): Promise<CallToolResult> {
  const { name } = request.params;
  switch (name) {
    case 'extra':
      return {
        content: [{ type: 'text', text: 'seen' }],
        structuredContent: {
          requestId: extra.requestId,
          meta: extra._meta ?? null,
          aborted: extra.signal.aborted,
          args: request.params.arguments ?? null,
        },
      };
    case 'progress':
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: extra._meta?.progressToken ?? 0, progress: 1 },
      });
      return { content: [{ type: 'text', text: 'done' }] };
    case 'image':
      return { content: [{ type: 'image', data: 'aGk=', mimeType: 'image/png' }] };
    case 'no content':
      return { structuredContent: { n: 1 } } as unknown as CallToolResult;
    case 'bad result':
      return { content: 'nope' } as unknown as CallToolResult;
    case 'mcp error':
      throw new McpError(-32602, 'Unknown tool: x', { tool: 'x' });
    case 'plain error':
      throw new Error('it broke');
    case 'string thrown':
      // A user's middleware may throw anything; the SDK answers a non-Error with -32603 'Internal error'.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'just a string';
    case 'hangs':
      await new Promise((resolve) => extra.signal.addEventListener('abort', resolve));
      aborted.push(extra.signal.reason);
      return { content: [] };
    default:
      return { content: [{ type: 'text', text: `called ${String(name)}` }] };
  }
}

interface Wire {
  send(message: JSONRPCMessage): Promise<void>;
  seen: JSONRPCMessage[];
  close(): Promise<void>;
}

const wires: Wire[] = [];
afterEach(async () => {
  await Promise.all(wires.splice(0).map((w) => w.close()));
  aborted.length = 0;
});

/** A real SDK Server with the gateway's handler, the lane in front or not; a raw client end. */
async function wire(withLane: boolean): Promise<Wire> {
  const server = new Server({ name: 'mirror', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler(CallToolRequestSchema, handler);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  if (withLane) attachLane(server, serverSide, handler);
  const seen: JSONRPCMessage[] = [];
  clientSide.onmessage = (message) => seen.push(message);
  await clientSide.start();
  const made: Wire = { send: (m) => clientSide.send(m), seen, close: () => server.close() };
  wires.push(made);
  return made;
}

const call = (params: unknown, id: number | string = 7): JSONRPCMessage =>
  ({ jsonrpc: '2.0', id, method: 'tools/call', params }) as JSONRPCMessage;

// Requests the lane takes, and requests it must leave to the Server (whose errors must stay its own).
const REQUESTS: Record<string, JSONRPCMessage> = {
  plain: call({ name: 'echo', arguments: { text: 'hi' } }),
  'no arguments': call({ name: 'echo' }),
  'string id': call({ name: 'echo' }, 'abc'),
  'extra fields': call({ name: 'extra', arguments: { a: [1] }, _meta: { progressToken: 'p', other: 1 } }),
  'progress to the requester': call({ name: 'progress', _meta: { progressToken: 42 } }),
  'non-text content': call({ name: 'image' }),
  'content filled in': call({ name: 'no content' }),
  'a result the schema refuses': call({ name: 'bad result' }),
  'a JSON-RPC error': call({ name: 'mcp error' }),
  'an Error': call({ name: 'plain error' }),
  'a string thrown': call({ name: 'string thrown' }),
  'name not a string': call({ name: 12 }),
  'arguments an array': call({ name: 'echo', arguments: [1] }),
  'no params': call(undefined),
  'params an array': call([1]),
  '_meta not an object': call({ name: 'echo', _meta: 'x' }),
  'progress token an object': call({ name: 'echo', _meta: { progressToken: {} } }),
  'a task': call({ name: 'echo', task: { ttl: 1000 } }),
  // An in-process transport hands messages on unchecked; the SDK answers neither of these.
  'id null': {
    jsonrpc: '2.0',
    id: null,
    method: 'tools/call',
    params: { name: 'echo' },
  } as unknown as JSONRPCMessage,
  'no jsonrpc': { id: 3, method: 'tools/call', params: { name: 'echo' } } as unknown as JSONRPCMessage,
};

/**
 * Every message the client end receives for `message`, up to its response. SDK 1.32 answers nothing at
 * all to a request whose params are not an object (it reports "Unknown message type" to its own onerror),
 * so a request with no response after a while yields what came, and both servers must agree on that too.
 */
async function exchange(withLane: boolean, message: JSONRPCMessage): Promise<JSONRPCMessage[]> {
  const { send, seen } = await wire(withLane);
  await send(message);
  const answered = (): boolean => seen.some((m) => 'id' in m && !('method' in m));
  for (let waited = 0; waited < 300 && !answered(); waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return seen;
}

describe('the tools/call lane', () => {
  it.each(Object.keys(REQUESTS))('answers "%s" byte for byte as the SDK Server does', async (name) => {
    const request = REQUESTS[name] as JSONRPCMessage;
    // Byte for byte: the key order of what goes on the wire is the SDK's too.
    expect(JSON.stringify(await exchange(true, request))).toBe(
      JSON.stringify(await exchange(false, request)),
    );
  });

  it('takes the plain calls itself and leaves every other shape to the Server', async () => {
    const server = new Server({ name: 'mirror', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: 'text', text: 'server' }] }));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    attachLane(server, serverSide, () => Promise.resolve({ content: [{ type: 'text', text: 'lane' }] }));
    const said = new Map<unknown, string>();
    clientSide.onmessage = (m) => {
      const text = (m as { result?: { content?: [{ text: string }] } }).result?.content?.[0]?.text;
      if ('id' in m) said.set(m.id, text ?? 'error');
    };
    await clientSide.start();
    await clientSide.send(call({ name: 'echo', arguments: {}, _meta: { progressToken: 1 } }, 1));
    await clientSide.send(call({ name: 'echo', task: { ttl: 1 } }, 2));
    await clientSide.send(call({ name: 'echo', arguments: 'x' }, 3));
    await expect.poll(() => said.size).toBe(3);
    // The task (no task capability here) and the string arguments get the Server's errors, not the lane's answer.
    expect(Object.fromEntries(said)).toEqual({ 1: 'lane', 2: 'error', 3: 'error' });
    await server.close();
  });

  it('aborts a call the client cancels and answers nothing for it, as the Server does', async () => {
    for (const withLane of [true, false]) {
      const { send, seen } = await wire(withLane);
      await send(call({ name: 'hangs' }, 9));
      await new Promise((resolve) => setTimeout(resolve, 10));
      await send({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 9, reason: 'stop' },
      });
      await expect.poll(() => aborted.length).toBe(1);
      expect(aborted.splice(0)).toEqual(['stop']);
      await send(call({ name: 'echo' }, 10));
      await expect.poll(() => seen.length).toBe(1);
      expect(seen[0]).toMatchObject({ id: 10 });
    }
  });

  it.each([
    ['an unknown key', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 }, x: 1 }],
    ['no jsonrpc', { method: 'notifications/cancelled', params: { requestId: 9 } }],
    ['an id', { jsonrpc: '2.0', id: 4, method: 'notifications/cancelled', params: { requestId: 9 } }],
  ])('cancels nothing on a cancellation with %s, which the Server drops', async (_, cancellation) => {
    for (const withLane of [true, false]) {
      const { send, seen } = await wire(withLane);
      await send(call({ name: 'hangs' }, 9));
      await new Promise((resolve) => setTimeout(resolve, 10));
      await send(cancellation as unknown as JSONRPCMessage);
      await send(call({ name: 'echo' }, 10));
      await expect.poll(() => seen.some((m) => 'id' in m && m.id === 10)).toBe(true);
      expect(aborted).toEqual([]);
    }
  });

  it('aborts the calls in flight when the transport closes', async () => {
    const { send, close } = await wire(true);
    await send(call({ name: 'hangs' }, 1));
    await send(call({ name: 'hangs' }, 2));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await close();
    await expect.poll(() => aborted.length).toBe(2);
  });
});
