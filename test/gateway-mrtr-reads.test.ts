// The MRTR bridge for prompts/get and resources/read: a real SDK 1.32 McpServer over HTTP whose prompt and
// resources ask the client (elicitInput, createMessage) while they answer, the real gateway (`--listen
// http`) and a real SDK v2 Client in auto mode, which fulfils input_required with its own handlers and
// retries; raw HTTP for what requestState is bound to and for the pipeline on every round.
import type { Client } from '@modelcontextprotocol/client';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '@mcp-middleware/auth';
import { defineMiddleware, type Middleware } from '@mcp-middleware/core';
import { metrics } from '@mcp-middleware/metrics';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { z } from 'zod';
import { guardedGateway } from './fixtures/guarded-gateway.js';
import { ModernClients, postModern } from './fixtures/modern-client.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

const ALL = { sampling: {}, elicitation: { form: {} }, roots: {} };
const NAME_SCHEMA = { type: 'object' as const, properties: { name: { type: 'string' as const } } };

/** How the upstream's `hold` prompt's question ended (a held request's end, for expiry). */
const upstreamSaw: string[] = [];

/** A 2025-only upstream whose prompts elicit and whose resources sample while they answer. */
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
  server.registerPrompt('hold', { argsSchema: { who: z.string().optional() } }, async (_args, extra) => {
    try {
      await server.server.elicitInput(
        { message: 'anyone?', requestedSchema: NAME_SCHEMA },
        related(extra.requestId),
      );
      upstreamSaw.push('answered');
    } catch (error) {
      upstreamSaw.push(`refused: ${(error as Error).message}`);
    }
    return { messages: [{ role: 'user', content: { type: 'text', text: 'held' } }] };
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
const clients = new ModernClients('gateway-mrtr-reads');

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
  const client = await clients.connect(url, {
    capabilities: ALL,
    setUp: (created) => {
      created.setRequestHandler('elicitation/create', async (request) => {
        asked.elicit.push(request.params.message);
        await gate;
        const who = /, (.*)\?$/.exec(request.params.message)?.[1] ?? '';
        return { action: 'accept', content: { name: `${who}-name` } };
      });
      created.setRequestHandler('sampling/createMessage', async (request) => {
        const first = request.params.messages[0]?.content;
        const text = first !== undefined && 'text' in first ? String(first.text) : '';
        asked.sample.push(text);
        await gate;
        return { role: 'assistant', content: { type: 'text', text: `hi ${text}` }, model: 'test-model' };
      });
      created.setRequestHandler('roots/list', () => Promise.resolve({ roots: [] }));
    },
  });
  return { client, asked };
}

interface Answer {
  readonly status: number;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** A raw 2026-07-28 request declaring every capability the bridge answers for: its JSON-RPC answer. */
async function raw(
  url: URL,
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const name = params['name'] ?? params['uri'];
  const answer = await postModern(url, method, params, {
    capabilities: ALL,
    headers: { ...(typeof name === 'string' && { 'mcp-name': name }), ...headers },
  });
  return { status: answer.status, ...answer.body };
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
  await clients.closeAll();
  await gateway?.close({ drainTimeoutMs: 0 });
  await upstream?.kill();
});

const url = (): URL => gateway.url as URL;
const text = (value: string) => ({ type: 'text', text: value });

describe('a 2025-only upstream asking a 2026-07-28 client while it answers a read', () => {
  it('turns elicitation/create during prompts/get into input_required, and the retry answers it', async () => {
    const { client, asked } = await modernClient();
    rounds.length = 0;
    const prompt = await client.getPrompt({ name: 'greet', arguments: { who: 'ada' } });
    expect(prompt.messages).toEqual([{ role: 'user', content: text('accept: ada-name') }]);
    expect(asked.elicit).toEqual(['what is your name, ada?']);
    // Each round is a request of its own through the pipeline.
    expect(rounds).toEqual(['prompts/get greet', 'prompts/get greet']);
  });

  it('turns sampling/createMessage during resources/read into input_required, for a fixed URI and a template', async () => {
    const { client, asked } = await modernClient();
    rounds.length = 0;
    const daily = await client.readResource({ uri: 'poem://daily' });
    const mine = await client.readResource({ uri: 'poem://for/bo' });
    expect([daily.contents, mine.contents]).toEqual([
      [{ uri: 'poem://daily', text: 'poem: hi write to the day' }],
      [{ uri: 'poem://for/bo', text: 'poem: hi write to bo' }],
    ]);
    expect(asked.sample).toEqual(['write to the day', 'write to bo']);
    expect(rounds).toEqual([
      'resources/read poem://daily',
      'resources/read poem://daily',
      'resources/read poem://for/bo',
      'resources/read poem://for/bo',
    ]);
  });

  it('answers input_required on the first round and the result with resultType complete on the retry', async () => {
    const cases = [
      {
        method: 'prompts/get',
        params: { name: 'greet', arguments: { who: 'cy' } },
        asks: 'elicitation/create',
        answer: { action: 'accept', content: { name: 'cy-name' } },
        result: { messages: [{ role: 'user', content: text('accept: cy-name') }] },
      },
      {
        method: 'resources/read',
        params: { uri: 'poem://daily' },
        asks: 'sampling/createMessage',
        answer: { role: 'assistant', content: text('ok'), model: 'm' },
        result: { contents: [{ uri: 'poem://daily', text: 'poem: ok' }] },
      },
    ];
    for (const { method, params, asks, answer, result } of cases) {
      const first = await raw(url(), method, params);
      expect(first.result).toMatchObject({
        resultType: 'input_required',
        inputRequests: { r1: { method: asks } },
      });
      const requestState = first.result?.['requestState'];
      const done = await raw(url(), method, { ...params, requestState, inputResponses: { r1: answer } });
      expect(done.result).toMatchObject({ ...result, resultType: 'complete' });
    }
  });

  it('gives each of two concurrent clients only its own input requests, for prompts and reads at once', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = await modernClient(gate);
    const b = await modernClient(gate);
    const both = (client: Client, who: string) =>
      Promise.all([
        client.getPrompt({ name: 'greet', arguments: { who } }),
        client.readResource({ uri: `poem://for/${who}` }),
      ]);
    const answers = Promise.all([both(a.client, 'alice'), both(b.client, 'bert')]);
    // All four requests are held upstream at once before either client answers.
    await vi.waitFor(() =>
      expect([a.asked, b.asked].flatMap((x) => [...x.elicit, ...x.sample])).toHaveLength(4),
    );
    release();
    const [[promptA, readA], [promptB, readB]] = await answers;
    expect([a.asked, b.asked]).toEqual([
      { elicit: ['what is your name, alice?'], sample: ['write to alice'] },
      { elicit: ['what is your name, bert?'], sample: ['write to bert'] },
    ]);
    expect([promptA.messages, promptB.messages]).toEqual([
      [{ role: 'user', content: text('accept: alice-name') }],
      [{ role: 'user', content: text('accept: bert-name') }],
    ]);
    expect([readA.contents, readB.contents]).toEqual([
      [{ uri: 'poem://for/alice', text: 'poem: hi write to alice' }],
      [{ uri: 'poem://for/bert', text: 'poem: hi write to bert' }],
    ]);
  });
});

describe('a held prompt its client never resumes', () => {
  let short: Gateway;

  beforeAll(async () => {
    short = await createGateway({
      upstream: { url: upstream.url.href },
      listen: 'http://127.0.0.1:0/mcp',
      requestTimeoutMs: 1000,
    });
  }, 60_000);

  afterAll(async () => {
    await short?.close({ drainTimeoutMs: 0 });
  });

  it('is cancelled upstream with its question refused, and its requestState then expires', async () => {
    upstreamSaw.length = 0;
    const first = await raw(short.url as URL, 'prompts/get', { name: 'hold', arguments: {} });
    expect(first.result?.['resultType']).toBe('input_required');
    await vi.waitFor(() => expect(upstreamSaw).toHaveLength(1), { timeout: 10_000 });
    expect(upstreamSaw[0]).toMatch(/^refused: .*did not answer/);
    const late = await raw(short.url as URL, 'prompts/get', {
      name: 'hold',
      arguments: {},
      requestState: first.result?.['requestState'],
      inputResponses: { r1: { action: 'decline' } },
    });
    expect(late.error).toMatchObject({ code: -32602, data: { reason: 'invalid_request_state' } });
  });
});

describe('requestState under auth: bound to one (method, target, arguments, principal)', () => {
  const KEYS = { ann: 'ann-key-0123456789abcdef', ben: 'ben-key-0123456789abcdef' };
  const ANN = { 'x-api-key': KEYS.ann };
  const BEN = { 'x-api-key': KEYS.ben };
  let guarded: Gateway;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ gateway: guarded, close } = await guardedGateway(upstream.url, {
      apiKeys: { keys: Object.entries(KEYS).map(([id, key]) => ({ id, sha256: hashApiKey(key) })) },
    }));
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  const ELICITED = { action: 'accept', content: { name: 'ann-name' } };
  const SAMPLED = { role: 'assistant', content: text('ok'), model: 'm' };
  /** The requests that mint a state, each with what answers it and every other request it must refuse. */
  const minted = [
    {
      method: 'tools/call',
      params: { name: 'ask', arguments: { who: 'ann' } },
      answer: ELICITED,
      others: [
        { name: 'greet', arguments: { who: 'ann' } },
        { name: 'ask', arguments: { who: 'mallory' } },
        { name: 'ask', arguments: {} },
      ],
    },
    {
      method: 'prompts/get',
      params: { name: 'greet', arguments: { who: 'ann' } },
      answer: ELICITED,
      others: [
        { name: 'ask', arguments: { who: 'ann' } },
        { name: 'greet', arguments: { who: 'mallory' } },
        { name: 'greet' },
      ],
    },
    {
      method: 'resources/read',
      params: { uri: 'poem://for/ann' },
      answer: SAMPLED,
      others: [{ uri: 'poem://for/mallory' }, { uri: 'poem://daily' }],
    },
  ];
  const METHODS = minted.map((m) => m.method);

  it('refuses a state for any other method, name or URI, arguments or principal, then resumes its own', async () => {
    const g = guarded.url as URL;
    for (const { method, params, answer, others } of minted) {
      const first = await raw(g, method, params, ANN);
      expect(first.result?.['resultType']).toBe('input_required');
      const retry = { requestState: first.result?.['requestState'], inputResponses: { r1: answer } };
      // Every other request: the same method with another target or arguments, each other method with the
      // request that minted its own state, and with these very params where they are well-formed for it.
      const variants = [
        ...others.map((p) => ({ method, params: p })),
        ...minted.filter((x) => x.method !== method).map((x) => ({ method: x.method, params: x.params })),
        ...METHODS.filter((m) => m !== method && 'uri' in params === (m === 'resources/read')).map((m) => ({
          method: m,
          params,
        })),
      ];
      for (const variant of variants) {
        const refused = await raw(g, variant.method, { ...variant.params, ...retry }, ANN);
        expect(refused.error, `${method} state on ${JSON.stringify(variant)}`).toMatchObject({
          code: -32602,
          data: { reason: 'invalid_request_state' },
        });
        expect(refused.error?.message).toMatch(
          /issued for another method, tool or prompt name, resource URI/,
        );
      }
      // Another principal: the state is unknown to them (as a hidden item answers like an unknown one).
      const stolen = await raw(g, method, { ...params, ...retry }, BEN);
      expect(stolen.error).toMatchObject({ code: -32602, data: { reason: 'invalid_request_state' } });
      expect(stolen.error?.message).toMatch(/unknown or expired requestState/);
      // No credentials: auth refuses the round before the bridge sees it.
      const anonymous = await raw(g, method, { ...params, ...retry });
      expect([anonymous.status, anonymous.result]).toEqual([401, undefined]);
      // None of the refusals used the state up: its own request resumes it.
      const own = await raw(g, method, { ...params, ...retry }, ANN);
      expect(own.result?.['resultType'], method).toBe('complete');
    }
  });

  it("counts prompts, reads and tool calls held at once against one cap: a principal's 17th runs unbridged", async () => {
    const g = guarded.url as URL;
    const held = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        i % 2 === 0
          ? raw(g, 'prompts/get', { name: 'greet', arguments: { who: `ann${i}` } }, ANN)
          : raw(g, 'resources/read', { uri: `poem://for/ann${i}` }, ANN),
      ),
    );
    expect(held.map((answer) => answer.result?.['resultType'])).toEqual(Array(16).fill('input_required'));
    // Past the cap nothing is refused up front: the call runs unbridged, and only the upstream's question fails.
    for (const [method, params] of [
      ['tools/call', { name: 'ask', arguments: { who: 'ann16' } }],
      ['prompts/get', { name: 'greet', arguments: { who: 'ann16' } }],
      ['resources/read', { uri: 'poem://for/ann16' }],
    ] as const) {
      const unbridged = await raw(g, method, params, ANN);
      expect(JSON.stringify(unbridged), method).not.toContain('bridge_full');
      expect(JSON.stringify(unbridged), method).toMatch(/cap on calls open at once \(maxCallsPerPrincipal/);
    }
    const ben = await raw(g, 'prompts/get', { name: 'greet', arguments: { who: 'ben' } }, BEN);
    expect(ben.result?.['resultType']).toBe('input_required');
    const retry = { requestState: held[0]?.result?.['requestState'], inputResponses: { r1: ELICITED } };
    const done = await raw(g, 'prompts/get', { name: 'greet', arguments: { who: 'ann0' }, ...retry }, ANN);
    expect(done.result?.['resultType']).toBe('complete');
    const again = await raw(g, 'resources/read', { uri: 'poem://for/ann16' }, ANN);
    expect(again.result?.['resultType']).toBe('input_required');
  });
});

describe('the pipeline around the rounds of a read', () => {
  const observed = metrics();
  let piped: Gateway;

  beforeAll(async () => {
    piped = await createGateway({
      upstream: { url: upstream.url.href },
      listen: 'http://127.0.0.1:0/mcp',
      pipeline: [observed],
    });
  }, 60_000);

  afterAll(async () => {
    await piped?.close({ drainTimeoutMs: 0 });
  });

  it('counts each input_required round of a prompt and a read as asking for input, not as success', async () => {
    const { client } = await modernClient(undefined, piped.url);
    await client.getPrompt({ name: 'greet', arguments: { who: 'gus' } });
    await client.readResource({ uri: 'poem://daily' });
    const text = await observed.registry.metrics();
    expect(text).toMatch(/^mcp_middleware_input_required_total\{[^}]*prompts\/get[^}]*greet[^}]*\} 1$/m);
    expect(text).toMatch(/^mcp_middleware_input_required_total\{[^}]*resources\/read[^}]*\} 1$/m);
    // Two rounds each; only the round that completed is an operation that succeeded.
    expect(text).toMatch(/^mcp_server_operation_duration_seconds_count\{[^}]*prompts\/get[^}]*\} 1$/m);
    expect(text).toMatch(/^mcp_server_operation_duration_seconds_count\{[^}]*resources\/read[^}]*\} 1$/m);
  });
});
