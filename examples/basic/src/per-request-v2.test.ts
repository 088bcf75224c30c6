import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { handler } from './per-request-v2.js';

describe('a v2 server built per request', () => {
  it('answers every request on the 2026-07-28 wire through one composed pipeline', async () => {
    const client = new Client(
      { name: 'example', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL('http://example.test/mcp'), {
        fetch: (url, init) => handler.fetch(new Request(url, init)),
      }),
    );
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    for (const a of [1, 2, 3]) {
      const result = await client.callTool({ name: 'add', arguments: { a, b: 1 } });
      expect(result.content).toEqual([{ type: 'text', text: String(a + 1) }]);
      expect(result._meta?.durationMs).toEqual(expect.any(Number));
    }
    await client.close();
    await handler.close();
  });
});
