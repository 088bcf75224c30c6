// The README's snippets, verbatim, run against the real SDK with a client that answers elicitation.
// #region imports
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { approval } from '@mcp-middleware/approval';
import { z } from 'zod';
// #endregion
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';

const deleted: string[] = [];
const removeRepo = (repo: string): Promise<void> => Promise.resolve(void deleted.push(repo));

// #region smallest-usage
function createServer(): McpServer {
  const server = new McpServer({ name: 'repos', version: '1.0.0' });
  withMiddleware(server, [approval({ server })]);
  server.registerTool(
    'delete_repo',
    { inputSchema: { repo: z.string() }, annotations: { destructiveHint: true } },
    async ({ repo }) => {
      await removeRepo(repo);
      return { content: [{ type: 'text', text: `deleted ${repo}` }] };
    },
  );
  return server;
}
// #endregion

// #region callback
const viaTicket = approval({
  approve: async (ctx) => (await fetch(`https://tickets.example/approved/${ctx.requestId}`)).ok,
});
// #endregion

describe('README examples', () => {
  it('deletes only after the human says yes', async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client(
      { name: 'host', version: '1.0.0' },
      { capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { approve: true } }));
    await Promise.all([createServer().connect(serverSide), client.connect(clientSide)]);
    await client.callTool({ name: 'delete_repo', arguments: { repo: 'a/b' } });
    expect(deleted).toEqual(['a/b']);
    await client.close();
  });

  it('builds the callback variant', () => {
    expect(typeof viaTicket).toBe('function');
  });
});
