/** Core cases: what composition and the SDK adapter cost per call. */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { wrapTool, withMiddleware, type Middleware } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { benchExtra, pipelineCase, type BenchCase } from '../harness.js';

const noop = (): Middleware =>
  function noop(_ctx, next) {
    return next();
  };
const noops = (n: number): Middleware[] => Array.from({ length: n }, noop);

type Seam = 'request' | 'callback';

function roundTrip(
  name: string,
  description: string,
  pipeline: Middleware[] | undefined,
  seam: Seam = 'request',
  baseline?: string,
): BenchCase {
  return {
    name,
    group: 'round-trip',
    description,
    quick: true,
    batch: 200,
    ...(baseline !== undefined && { baseline }),
    async setup() {
      const server = new McpServer({ name: 'bench', version: '1.0.0' });
      if (pipeline !== undefined && seam === 'request') withMiddleware(server, pipeline, { debug: false });
      const echo = ({ text }: { text: string }): { content: { type: 'text'; text: string }[] } => ({
        content: [{ type: 'text', text }],
      });
      const inputSchema = { text: z.string() };
      server.registerTool(
        'echo',
        { inputSchema },
        pipeline !== undefined && seam === 'callback'
          ? wrapTool(echo, pipeline, { name: 'echo', inputSchema }, { debug: false })
          : echo,
      );
      const { client, close } = await connectInMemory(server);
      const params = { name: 'echo', arguments: { text: 'hello' } };
      return { run: () => client.callTool(params), teardown: close };
    },
  };
}

// The SDK's own tools/call handler called directly (no transport, no client): what differs between the two
// seams is only where the pipeline runs, around the callback or around the request.
function handlerCase(name: string, description: string, seam: Seam, baseline?: string): BenchCase {
  return {
    name,
    group: 'pipeline',
    description,
    quick: true,
    batch: 2000,
    ...(baseline !== undefined && { baseline }),
    setup() {
      const server = new McpServer({ name: 'bench', version: '1.0.0' });
      const pipeline = noops(10);
      if (seam === 'request') withMiddleware(server, pipeline, { debug: false });
      const echo = ({ text }: { text: string }): { content: { type: 'text'; text: string }[] } => ({
        content: [{ type: 'text', text }],
      });
      const inputSchema = { text: z.string() };
      server.registerTool(
        'echo',
        { inputSchema },
        seam === 'callback'
          ? wrapTool(echo, pipeline, { name: 'echo', inputSchema }, { debug: false })
          : echo,
      );
      const handlers = (
        server.server as unknown as {
          _requestHandlers: Map<string, (r: unknown, e: unknown) => Promise<unknown>>;
        }
      )._requestHandlers;
      const handler = handlers.get('tools/call');
      if (handler === undefined) throw new Error('no tools/call handler');
      const request = {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'hello' } },
      };
      const extra = benchExtra();
      return { run: () => handler(request, extra) };
    },
  };
}

export const cases: BenchCase[] = [
  handlerCase(
    'seam-callback-10-noop',
    "the SDK's tools/call handler, ten pass-throughs around the callback (wrapTool)",
    'callback',
  ),
  handlerCase(
    'seam-request-10-noop',
    "the SDK's tools/call handler wrapped by withMiddleware, ten pass-throughs around the request",
    'request',
    'seam-callback-10-noop',
  ),
  pipelineCase('runner-empty', 'the runner with an empty pipeline (context, result check)', () => [], {
    group: 'pipeline',
    quick: true,
  }),
  pipelineCase('compose-1-noop', 'one pass-through middleware', () => noops(1), {
    group: 'pipeline',
    quick: true,
  }),
  pipelineCase('compose-10-noop', 'ten pass-through middlewares', () => noops(10), {
    group: 'pipeline',
    quick: true,
  }),
  roundTrip(
    'inmemory-bare',
    'SDK Client.callTool round trip over InMemoryTransport, no middleware',
    undefined,
  ),
  roundTrip(
    'inmemory-10-noop-callback',
    'the same round trip with ten pass-throughs around the tool callback (wrapTool, the seam before requests)',
    noops(10),
    'callback',
  ),
  roundTrip(
    'inmemory-10-noop',
    'the same round trip with withMiddleware (the request seam) and ten pass-throughs',
    noops(10),
    'request',
    'inmemory-10-noop-callback',
  ),
];
