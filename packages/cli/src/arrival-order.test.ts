import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ArrivalOrderTransport } from './arrival-order.js';

// A scripted server: answers initialize, and answers tools/call with a progress notification and the
// result in the same tick, as a stdio server does when both land in one read.
async function progressBeforeResult(wrap: (t: Transport) => Transport): Promise<number[]> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  serverSide.onmessage = (message: JSONRPCMessage) => {
    if (!('id' in message) || !('method' in message)) return;
    if (message.method === 'initialize') {
      void serverSide.send({
        jsonrpc: '2.0',
        id: message.id,
        result: {
          protocolVersion: '2025-06-18',
          capabilities: { tools: {} },
          serverInfo: { name: 's', version: '1' },
        },
      });
    } else if (message.method === 'tools/call') {
      const token = (message.params?._meta as { progressToken: number }).progressToken;
      void serverSide.send({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: token, progress: 1 },
      });
      void serverSide.send({ jsonrpc: '2.0', id: message.id, result: { content: [] } });
    }
  };
  await serverSide.start();
  const client = new Client({ name: 'c', version: '1' });
  client.onerror = () => undefined;
  await client.connect(wrap(clientSide));
  const seen: number[] = [];
  await client.request({ method: 'tools/call', params: { name: 't' } }, CallToolResultSchema, {
    onprogress: (p) => seen.push(p.progress),
  });
  await client.close();
  return seen;
}

describe('ArrivalOrderTransport', () => {
  it('delivers progress that arrives in the same tick as the result', async () => {
    expect(await progressBeforeResult((t) => new ArrivalOrderTransport(t))).toEqual([1]);
  });

  it('is needed: without it SDK 1.32 drops that progress (typescript-sdk#2580)', async () => {
    expect(await progressBeforeResult((t) => t)).toEqual([]);
  });
});
