import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '@mcp-middleware/core';
import { createServerV2 } from './server-v2.js';

describe('the README example on SDK v2', () => {
  it('adds durationMs to results and rejects passwords only for search, as on v1', async () => {
    const server = createServerV2();
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'example-test', version: '1.0.0' });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    const ok = await client.callTool({ name: 'search', arguments: { query: 'x' } });
    expect(ok._meta?.durationMs).toEqual(expect.any(Number));
    const rejected = await client.callTool({ name: 'search', arguments: { query: 'password' } });
    expect(rejected._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    const failed = await client.callTool({ name: 'fail' });
    expect(failed).toMatchObject({ isError: true, _meta: { [ERROR_META_KEY]: { code: 'INTERNAL' } } });
    await client.close();
  });
});
