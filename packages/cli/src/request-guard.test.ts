import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListRootsResultSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { guardRequests } from './request-guard.js';

describe('guardRequests', () => {
  it('answers a malformed request with -32600 and its own id, and hands valid ones to the Server', async () => {
    const server = new Server({ name: 's', version: '1' }, { capabilities: {} });
    const [client, end] = InMemoryTransport.createLinkedPair();
    await server.connect(end);
    guardRequests(end);
    const answers: JSONRPCMessage[] = [];
    client.onmessage = (message) => void answers.push(message);
    await client.start();
    await client.send({ jsonrpc: '2.0', id: 'bad', method: 'ping', params: [] } as unknown as JSONRPCMessage);
    await client.send({ jsonrpc: '2.0', id: 'good', method: 'ping' });
    await expect.poll(() => answers.length).toBe(2);
    expect(answers).toContainEqual({
      jsonrpc: '2.0',
      id: 'bad',
      error: { code: -32600, message: expect.stringContaining('params: expected object') as string },
    });
    expect(answers).toContainEqual({ jsonrpc: '2.0', id: 'good', result: {} });
    await server.close();
  });

  it.each([
    ['a result that is not an object', { result: [] }],
    ['an unknown key', { result: { roots: [] }, extra: 1 }],
    ['neither a result nor an error', {}],
  ])('ends the request a client answers with %s, saying what was wrong', async (_, answer) => {
    const server = new Server({ name: 's', version: '1' }, { capabilities: {} });
    const [client, end] = InMemoryTransport.createLinkedPair();
    await server.connect(end);
    guardRequests(end);
    client.onmessage = (message) => {
      if ('method' in message && 'id' in message) {
        void client.send({ jsonrpc: '2.0', id: message.id, ...answer } as unknown as JSONRPCMessage);
      }
    };
    await client.start();
    // A timeout no test waits out: without the guard the Server drops the answer and waits for it.
    const asking = server.request({ method: 'roots/list' }, ListRootsResultSchema, { timeout: 600_000 });
    await expect(asking).rejects.toThrow("the client's answer is not a valid JSON-RPC response");
    await server.close();
  });
});
