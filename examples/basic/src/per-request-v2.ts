// A v2 server built per request (the stateless 2026-07-28 pattern), every one behind the same pipeline.
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createToolRunner, withMiddleware } from '@mcp-middleware/core';
import { timing } from './timing.js';

const pipeline = [timing()];

function buildServer(): McpServer {
  const server = new McpServer({ name: 'per-request', version: '1.0.0' });
  server.registerTool('add', { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  return server;
}

const runner = createToolRunner(pipeline); // composed once
const handler = createMcpHandler(() => withMiddleware(buildServer(), runner)); // a server per request

/** The HTTP handler (`handler.fetch(request)`); mount it with `toNodeHandler` from `@modelcontextprotocol/node`. */
export { handler, runner };
