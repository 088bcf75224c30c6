// The same example on SDK v2 (@modelcontextprotocol/server 2.x): the one line is the same.
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { MiddlewareError, when, withMiddleware, type Middleware } from '@mcp-middleware/core';
import { timing } from './timing.js';

const noSecrets: Middleware = (ctx, next) =>
  JSON.stringify(ctx.args ?? {}).includes('password')
    ? Promise.reject(new MiddlewareError('INVALID_ARGUMENTS', 'do not send passwords to this tool'))
    : next();

/** Builds the example server on SDK v2: two tools, a pipeline on all of them, one middleware only for `search`. */
export function createServerV2(): McpServer {
  const server = new McpServer({ name: 'example-v2', version: '1.0.0' });
  withMiddleware(server, [timing(), when('search', noSecrets)]);
  server.registerTool(
    'search',
    { inputSchema: z.object({ query: z.string() }), annotations: { readOnlyHint: true } },
    ({ query }) => ({ content: [{ type: 'text', text: `3 results for "${query}"` }] }),
  );
  server.registerTool('fail', {}, () => {
    throw new Error('the database is down');
  });
  return server;
}
