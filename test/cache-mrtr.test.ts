// cache() and 2026-07-28 multi-round requests on the wire: a real SDK v2 server whose resource and
// read-only tool ask the client for its name (input_required), wrapped in process with a pipeline that
// caches both; two anonymous SDK v2 clients read (or call) at once. Each must be asked on its own and get
// an answer built from its own input, never the other's requestState or the other's completed round.
import { inputRequired } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createToolRunner, withMiddleware, type Middleware, type RequestContext } from '@mcp-middleware/core';
import { cache } from '@mcp-middleware/cache';
import { McpServer, connectV2, type V2Connection } from './helpers/sdk-v2.js';

const NAME_SCHEMA = { type: 'object' as const, properties: { name: { type: 'string' as const } } };
const open: V2Connection[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

type Kind = 'resources/read' | 'tools/call';

/** Resolves once the pipeline has seen two first rounds (no inputResponses), whoever runs them. */
function twoFirstRounds(): { arrived: Promise<void>; spy: Middleware } {
  let seen = 0;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => {
    release = resolve;
  });
  const count = (ctx: RequestContext): void => {
    if (ctx.params?.inputResponses === undefined && ++seen === 2) release();
  };
  const spy: Middleware = (ctx, next) => {
    count(ctx);
    return next(ctx);
  };
  spy.requests = {
    'resources/read': (ctx, next) => {
      count(ctx);
      return next();
    },
  };
  return { arrived, spy };
}

/** What the server answers a round: ask for a name (after both first rounds arrived), or greet it. */
async function answerRound(
  inputResponses: Record<string, unknown> | undefined,
  arrived: Promise<void>,
  asked: string[],
): Promise<string | ReturnType<typeof inputRequired>> {
  const answer = inputResponses?.name as { content?: { name?: string } } | undefined;
  if (answer !== undefined) return `hello ${String(answer.content?.name)}`;
  await arrived;
  asked.push('ask');
  return inputRequired({
    inputRequests: { name: inputRequired.elicit({ message: 'your name?', requestedSchema: NAME_SCHEMA }) },
    requestState: `round-1-${asked.length}`,
  });
}

describe('cache() with two clients in one 2026-07-28 input round at once', () => {
  it.each<Kind>(['resources/read', 'tools/call'])(
    '%s: each client is asked on its own and greeted with its own name',
    async (kind) => {
      const { arrived, spy } = twoFirstRounds();
      const runner = createToolRunner([spy, cache({ operations: ['tools/call', 'resources/read'] })]);
      const asked: string[] = [];
      const factory = (): McpServer => {
        const server = new McpServer({ name: 'cache-mrtr', version: '1.0.0' });
        server.registerResource('me', 'profile://me', {}, async (uri, ctx) => {
          const round = await answerRound(ctx.mcpReq.inputResponses, arrived, asked);
          return typeof round === 'string' ? { contents: [{ uri: uri.href, text: round }] } : round;
        });
        server.registerTool('whoami', { annotations: { readOnlyHint: true } }, async (ctx) => {
          const round = await answerRound(ctx.mcpReq.inputResponses, arrived, asked);
          return typeof round === 'string' ? { content: [{ type: 'text' as const, text: round }] } : round;
        });
        return withMiddleware(server, runner);
      };
      const clients = await Promise.all(
        ['alice', 'bob'].map(async (name) => {
          const connection = await connectV2('modern', factory, { capabilities: { elicitation: {} } });
          open.push(connection);
          connection.client.setRequestHandler('elicitation/create', () => ({
            action: 'accept',
            content: { name },
          }));
          return connection.client;
        }),
      );
      const texts = await Promise.all(
        clients.map(async (client) => {
          if (kind === 'resources/read') {
            const read = await client.readResource({ uri: 'profile://me' });
            return (read.contents[0] as { text: string }).text;
          }
          const called = await client.callTool({ name: 'whoami', arguments: {} });
          return (called.content as { text: string }[])[0]?.text;
        }),
      );
      expect(texts).toEqual(['hello alice', 'hello bob']);
      // Each first round reached the server: neither client was handed the other's input request.
      expect(asked).toEqual(['ask', 'ask']);
    },
  );
});
