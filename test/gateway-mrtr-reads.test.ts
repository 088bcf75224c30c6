// The MRTR bridge for prompts/get and resources/read: a real SDK 1.32 McpServer over HTTP whose prompt and
// resources ask the client (elicitInput, createMessage) while they answer, the real gateway (`--listen
// http`) and a real SDK v2 Client in auto mode, which fulfils input_required with its own handlers and
// retries; raw HTTP for what requestState is bound to and for the pipeline on every round.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMiddleware, type Middleware } from '@mcp-middleware/core';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { z } from 'zod';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

const MODERN = '2026-07-28';
const ALL = { sampling: {}, elicitation: { form: {} }, roots: {} };
const NAME_SCHEMA = { type: 'object' as const, properties: { name: { type: 'string' as const } } };

/** A 2025-only upstream whose prompt elicits and whose resources sample while they answer. */
function createAskingReads(): McpServer {
  const server = new McpServer({ name: 'asking-reads-1x', version: '1.0.0' });
  const related = (requestId: string | number) => ({ relatedRequestId: requestId });
  const sample = async (who: string, requestId: string | number): Promise<string> => {
    const answer = await server.server.createMessage(
      { messages: [{ role: 'user', content: { type: 'text', text: `write to ${who}` } }], maxTokens: 20 },
      related(requestId),
    );
    return answer.content.type === 'text' ? answer.content.text : '?';
  };
  server.registerPrompt('greet', { argsSchema: { who: z.string() } }, async ({ who }, extra) => {
    const answer = await server.server.elicitInput(
      { message: `what is your name, ${who}?`, requestedSchema: NAME_SCHEMA },
      related(extra.requestId),
    );
    const text = `${answer.action}: ${String(answer.content?.['name'])}`;
    return { messages: [{ role: 'user', content: { type: 'text', text } }] };
  });
  server.registerResource('poem', 'poem://daily', {}, async (uri, extra) => ({
    contents: [{ uri: uri.href, text: `poem: ${await sample('the day', extra.requestId)}` }],
  }));
  server.registerResource(
    'poem-for',
    new ResourceTemplate('poem://for/{who}', { list: undefined }),
    {},
    async (uri, { who }, extra) => ({
      contents: [{ uri: uri.href, text: `poem: ${await sample(String(who), extra.requestId)}` }],
    }),
  );
  server.registerTool('ask', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const answer = await server.server.elicitInput(
      { message: `what is your name, ${who}?`, requestedSchema: NAME_SCHEMA },
      related(extra.requestId),
    );
    return { content: [{ type: 'text', text: `${answer.action}: ${String(answer.content?.['name'])}` }] };
  });
  return server;
}

/** Every prompts/get and resources/read round the pipeline saw. */
const rounds: string[] = [];
const spy: Middleware = defineMiddleware('spy', {
  requests: {
    'prompts/get': (ctx, next) => {
      rounds.push(`prompts/get ${String(ctx.target)}`);
      return next();
    },
    'resources/read': (ctx, next) => {
      rounds.push(`resources/read ${String(ctx.target)}`);
      return next();
    },
  },
});

let upstream: HttpUpstreamFixture;
let gateway: Gateway;
const opened: Client[] = [];

interface Asked {
  readonly elicit: string[];
  readonly sample: string[];
}

/** A 2026-07-28 client answering elicitation with `<who>-name` and sampling with `hi` (after `gate`). */
async function modernClient(
  gate?: Promise<void>,
  url: URL = gateway.url as URL,
): Promise<{
  client: Client;
  asked: Asked;
}> {
  const asked: Asked = { elicit: [], sample: [] };
  const client = new Client(
    { name: 'gateway-mrtr-reads', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' }, capabilities: ALL },
  );
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.elicit.push(request.params.message);
    await gate;
    const who = /, (.*)\?$/.exec(request.params.message)?.[1] ?? '';
    return { action: 'accept', content: { name: `${who}-name` } };
  });
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const first = request.params.messages[0]?.content;
    const text = first !== undefined && 'text' in first ? String(first.text) : '';
    asked.sample.push(text);
    await gate;
    return { role: 'assistant', content: { type: 'text', text: `hi ${text}` }, model: 'test-model' };
  });
  client.setRequestHandler('roots/list', () => Promise.resolve({ roots: [] }));
  await client.connect(new StreamableHTTPClientTransport(url));
  opened.push(client);
  return { client, asked };
}

interface Answer {
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** A raw 2026-07-28 request: its JSON-RPC answer. */
async function raw(
  url: URL,
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const name = params['name'] ?? params['uri'];
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(typeof name === 'string' && { 'mcp-name': name }),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': ALL,
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
        },
      },
    }),
  });
  const text = await response.text();
  const messages = (text.startsWith('{') ? [text] : [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1]))
    .filter((line) => line !== undefined && line !== '')
    .map((line) => JSON.parse(line as string) as Record<string, unknown>);
  return messages.find((m) => 'id' in m) ?? {};
}

beforeAll(async () => {
  upstream = await startHttpUpstream(() => createAskingReads());
  gateway = await createGateway({
    upstream: { url: upstream.url.href },
    listen: 'http://127.0.0.1:0/mcp',
    pipeline: [spy],
  });
}, 60_000);

afterAll(async () => {
  for (const client of opened) await client.close().catch(() => undefined);
  await gateway?.close({ drainTimeoutMs: 0 });
  await upstream?.kill();
});

describe('a 2025-only upstream asking a 2026-07-28 client while it answers a read', () => {
  // What the gateway did before the bridge took prompts/get and resources/read: the request ran on the shared
  // 2025 connection, where nothing tells whose the upstream's question is, so the upstream was refused and
  // the client got the upstream's failure instead of the question.
  it('today: refuses what the upstream asks, and the client gets -32603 instead of input_required', async () => {
    const url = gateway.url as URL;
    const prompt = await raw(url, 'prompts/get', { name: 'greet', arguments: { who: 'ada' } });
    const read = await raw(url, 'resources/read', { uri: 'poem://daily' });
    for (const answer of [prompt, read]) {
      expect(answer.result).toBeUndefined();
      expect(answer.error?.code).toBe(-32603);
      expect(answer.error?.message).toMatch(/cannot tell which of its clients/);
    }
  });

  it("today: the SDK v2 client's getPrompt and readResource reject, its handlers never asked", async () => {
    const { client, asked } = await modernClient();
    await expect(client.getPrompt({ name: 'greet', arguments: { who: 'ada' } })).rejects.toThrow(
      /cannot tell which of its clients/,
    );
    await expect(client.readResource({ uri: 'poem://daily' })).rejects.toThrow(/cannot tell which/);
    expect([asked.elicit, asked.sample]).toEqual([[], []]);
  });
});
