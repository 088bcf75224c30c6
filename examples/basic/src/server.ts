// The README's ten-line example: an existing McpServer, wrapped in one line.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { MiddlewareError, when, withMiddleware, type Middleware } from '@mcp-middleware/core';
import { timing } from './timing.js';

const noSecrets: Middleware = (ctx, next) =>
  JSON.stringify(ctx.args ?? {}).includes('password')
    ? Promise.reject(new MiddlewareError('INVALID_ARGUMENTS', 'do not send passwords to this tool'))
    : next();

/** Builds the example server: two tools, a pipeline on all of them, one middleware only for `search`. */
export function createServer(): McpServer {
  const server = new McpServer({ name: 'example', version: '1.0.0' });
  withMiddleware(server, [timing(), when('search', noSecrets)]);
  server.registerTool(
    'search',
    { inputSchema: { query: z.string() }, annotations: { readOnlyHint: true } },
    ({ query }) => ({ content: [{ type: 'text', text: `3 results for "${query}"` }] }),
  );
  server.registerTool('fail', {}, () => {
    throw new Error('the database is down');
  });
  return server;
}
