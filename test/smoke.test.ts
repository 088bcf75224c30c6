import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withMiddleware, type Middleware } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';

describe('smoke', () => {
  it('runs a wrapped tool', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const seen: string[] = [];
    const mw: Middleware = async (ctx, next) => {
      seen.push(ctx.tool.name);
      return next();
    };
    withMiddleware(server, [mw]);
    server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    const { client, close } = await connectInMemory(server);
    const r = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(r.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(seen).toEqual(['echo']);
    await close();
  });
});
