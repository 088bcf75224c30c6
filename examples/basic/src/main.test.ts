import { describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { createServer } from './server.js';

describe('the README example', () => {
  it('adds durationMs to results and rejects passwords only for search', async () => {
    const { client, close } = await connectInMemory(createServer());
    const ok = await client.callTool({ name: 'search', arguments: { query: 'x' } });
    expect(ok._meta?.durationMs).toEqual(expect.any(Number));
    const rejected = await client.callTool({ name: 'search', arguments: { query: 'password' } });
    expect(rejected._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'INVALID_ARGUMENTS' });
    const failed = await client.callTool({ name: 'fail' });
    expect(failed).toMatchObject({ isError: true, _meta: { [ERROR_META_KEY]: { code: 'INTERNAL' } } });
    await close();
  });
});
