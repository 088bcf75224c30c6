// Issue 15: a 2025-era upstream's server-to-client requests reach a 2026-07-28 client as input_required.
// A real SDK 1.32 McpServer over HTTP whose tools call createMessage, elicitInput and listRoots mid-call,
// the real gateway (`--listen http`) and a real SDK v2 Client in auto mode, which fulfils input_required
// with its own handlers and retries; raw HTTP for requestState's errors, replay and expiry.
import type { Client } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '@mcp-middleware/auth';
import { defineMiddleware, type Middleware } from '@mcp-middleware/core';
import { metrics } from '@mcp-middleware/metrics';
import { retry } from '@mcp-middleware/retry';
import type { Gateway } from '@mcp-middleware/cli';
import { z } from 'zod';
import { guardedGateway } from './fixtures/guarded-gateway.js';
import { httpGateway } from './fixtures/http-gateway.js';
import { MODERN, ModernClients, postModern } from './fixtures/modern-client.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

const ALL = { sampling: {}, elicitation: { form: {} }, roots: {} };

/** What the upstream's tools saw of their requests to the client (the held call's end, for expiry). */
const upstreamSaw: string[] = [];

function createAskingServer(): McpServer {
  const server = new McpServer({ name: 'asking-1x', version: '1.0.0' });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  const ask = (who: string, requestId: string | number) =>
    server.server.elicitInput(
      {
        message: `what is your name, ${who}?`,
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
      },
      { relatedRequestId: requestId },
    );
  const sample = (who: string, requestId: string | number) =>
    server.server.createMessage(
      { messages: [{ role: 'user', content: { type: 'text', text: `write to ${who}` } }], maxTokens: 20 },
      { relatedRequestId: requestId },
    );
  server.registerTool('ask', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const answer = await ask(who, extra.requestId);
    return text(`${answer.action}: ${String(answer.content?.['name'])}`);
  });
  server.registerTool('sample', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const answer = await sample(who, extra.requestId);
    return text(`model said: ${answer.content.type === 'text' ? answer.content.text : '?'}`);
  });
  server.registerTool('roots', {}, async (extra) => {
    const { roots } = await server.server.listRoots(undefined, { relatedRequestId: extra.requestId });
    return text(roots.map((r) => r.uri).join(','));
  });
  server.registerTool('all', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const name = await ask(who, extra.requestId);
    const model = await sample(who, extra.requestId);
    const { roots } = await server.server.listRoots(undefined, { relatedRequestId: extra.requestId });
    const said = model.content.type === 'text' ? model.content.text : '?';
    return text([String(name.content?.['name']), said, roots.length].join(' | '));
  });
  server.registerTool('steps', {}, async (extra) => {
    const progressToken = extra._meta?.progressToken;
    const step = (progress: number) =>
      progressToken === undefined
        ? Promise.resolve()
        : extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress } });
    await step(1);
    const answer = await ask('steps', extra.requestId);
    await step(2);
    return text(answer.action);
  });
  server.registerTool('hold', {}, async (extra) => {
    try {
      await ask('nobody', extra.requestId);
      upstreamSaw.push('answered');
    } catch (error) {
      upstreamSaw.push(`refused: ${(error as Error).message}`);
    }
    return text('held');
  });
  return server;
}

/** Every tools/call round the pipeline saw. */
const rounds: string[] = [];
const spy: Middleware = defineMiddleware('spy', {
  tools: (ctx, next) => {
    rounds.push(ctx.tool.name);
    return next();
  },
});

let upstream: HttpUpstreamFixture;
let gateway: Gateway;
const clients = new ModernClients('gateway-mrtr');

interface Asked {
  readonly elicit: string[];
  readonly sample: string[];
}

/** A client declaring `capabilities` whose handlers record what they were asked (elicitation waits for `gate`). */
async function modernClient(
  capabilities: Record<string, unknown> = ALL,
  gate?: Promise<void>,
  url: URL = gateway.url as URL,
): Promise<{
  client: Client;
  asked: Asked;
}> {
  const asked: Asked = { elicit: [], sample: [] };
  const client = await clients.connect(url, {
    capabilities,
    setUp: (created) => answerWhatItDeclares(created, capabilities, asked, gate),
  });
  return { client, asked };
}

function answerWhatItDeclares(
  client: Client,
  capabilities: Record<string, unknown>,
  asked: Asked,
  gate: Promise<void> | undefined,
): void {
  if ('elicitation' in capabilities) {
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.elicit.push(request.params.message);
      await gate;
      const who = /, (.*)\?$/.exec(request.params.message)?.[1] ?? '';
      return { action: 'accept', content: { name: `${who}-name` } };
    });
  }
  if ('sampling' in capabilities) {
    client.setRequestHandler('sampling/createMessage', (request) => {
      const first = request.params.messages[0]?.content;
      asked.sample.push(first !== undefined && 'text' in first ? String(first.text) : '');
      return Promise.resolve({
        role: 'assistant',
        content: { type: 'text', text: 'hi' },
        model: 'test-model',
      });
    });
  }
  if ('roots' in capabilities) {
    client.setRequestHandler('roots/list', () => Promise.resolve({ roots: [{ uri: 'file:///work' }] }));
  }
}

interface Answer {
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: Record<string, unknown> };
  /** The progress notifications on the request's stream. */
  readonly progress: Record<string, unknown>[];
}

/** A raw 2026-07-28 tools/call: the JSON-RPC answer, and the progress heard before it. */
async function rawCall(
  url: URL,
  name: string,
  extra: Record<string, unknown>,
  capabilities: Record<string, unknown> = ALL,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const answer = await postModern(
    url,
    'tools/call',
    { name, arguments: {}, ...extra },
    { capabilities, headers: { 'mcp-name': name, ...headers } },
  );
  const progress = answer.messages
    .filter((m) => m['method'] === 'notifications/progress')
    .map((m) => m['params'] as Record<string, unknown>);
  return { ...answer.body, progress };
}

beforeAll(async () => {
  upstream = await startHttpUpstream(() => createAskingServer());
  gateway = await httpGateway(upstream.url, { pipeline: [spy] });
}, 60_000);

afterAll(async () => {
  await clients.closeAll();
  await gateway?.close({ drainTimeoutMs: 0 });
  await upstream?.kill();
});

describe('a 2025-only upstream asking a 2026-07-28 client mid-call', () => {
  it('turns elicitation/create into input_required, and the retry answers it upstream', async () => {
    const { client, asked } = await modernClient();
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    rounds.length = 0;
    const result = await client.callTool({ name: 'ask', arguments: { who: 'ada' } });
    expect(result.content).toEqual([{ type: 'text', text: 'accept: ada-name' }]);
    expect(asked.elicit).toEqual(['what is your name, ada?']);
    // Each round is a tools/call of its own through the pipeline.
    expect(rounds).toEqual(['ask', 'ask']);
  });

  it('turns sampling/createMessage into input_required', async () => {
    const { client, asked } = await modernClient();
    const result = await client.callTool({ name: 'sample', arguments: { who: 'bob' } });
    expect(result.content).toEqual([{ type: 'text', text: 'model said: hi' }]);
    expect(asked.sample).toEqual(['write to bob']);
  });

  it('turns roots/list into input_required', async () => {
    const { client } = await modernClient();
    const result = await client.callTool({ name: 'roots', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'file:///work' }]);
  });

  it('asks again in the next round when the upstream asks again, until the call completes', async () => {
    const { client, asked } = await modernClient();
    rounds.length = 0;
    const result = await client.callTool({ name: 'all', arguments: { who: 'cy' } });
    expect(result.content).toEqual([{ type: 'text', text: 'cy-name | hi | 1' }]);
    expect([asked.elicit.length, asked.sample.length, rounds.length]).toEqual([1, 1, 4]);
  });

  it('gives each of two concurrent clients only its own input request', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a = await modernClient(ALL, gate);
    const b = await modernClient(ALL, gate);
    const calls = [
      a.client.callTool({ name: 'ask', arguments: { who: 'alice' } }),
      b.client.callTool({ name: 'ask', arguments: { who: 'bert' } }),
    ];
    // Both calls are held upstream at once before either client answers.
    await vi.waitFor(() => expect(a.asked.elicit.length + b.asked.elicit.length).toBe(2));
    release();
    const [ra, rb] = await Promise.all(calls);
    expect([a.asked.elicit, b.asked.elicit]).toEqual([
      ['what is your name, alice?'],
      ['what is your name, bert?'],
    ]);
    expect([ra?.content, rb?.content]).toEqual([
      [{ type: 'text', text: 'accept: alice-name' }],
      [{ type: 'text', text: 'accept: bert-name' }],
    ]);
  });

  it('declares upstream only what the client declared: the upstream itself refuses the rest', async () => {
    const { client } = await modernClient({ sampling: {} });
    const result = await client.callTool({ name: 'ask', arguments: { who: 'dee' } });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: 'Client does not support form elicitation.' }]);
  });

  it('keeps refusing when the client declared none of them, and says what it would take', async () => {
    const { client } = await modernClient({});
    const result = await client.callTool({ name: 'ask', arguments: { who: 'fay' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('declares elicitation in its _meta clientCapabilities');
    // The upstream's SDK prefixes the error it received once; the gateway's answer carries no prefix of its own.
    expect(JSON.stringify(result.content).match(/MCP error -32603/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });
});

describe('requestState over raw HTTP', () => {
  it('answers an unknown requestState with -32602 naming requestState and the fix', async () => {
    const answer = await rawCall(gateway.url as URL, 'ask', { requestState: 'forged', inputResponses: {} });
    expect(answer.error?.code).toBe(-32602);
    expect(answer.error?.data?.['reason']).toBe('invalid_request_state');
    expect(answer.error?.message).toMatch(/requestState.*start over/);
  });

  it('resumes a held call only for the tool name and arguments its requestState was issued for', async () => {
    const url = gateway.url as URL;
    const first = await rawCall(url, 'ask', { arguments: { who: 'eve' } });
    const requestState = first.result?.['requestState'];
    const inputResponses = { r1: { action: 'accept', content: { name: 'eve-name' } } };
    const otherTool = await rawCall(url, 'roots', { requestState, inputResponses });
    const otherArgs = await rawCall(url, 'ask', {
      arguments: { who: 'mallory' },
      requestState,
      inputResponses,
    });
    for (const refused of [otherTool, otherArgs]) {
      expect(refused.error).toMatchObject({ code: -32602, data: { reason: 'invalid_request_state' } });
      expect(refused.error?.message).toMatch(
        /issued for another method, tool or prompt name, resource URI or other arguments/,
      );
    }
    const resumed = await rawCall(url, 'ask', { arguments: { who: 'eve' }, requestState, inputResponses });
    expect(resumed.result).toMatchObject({ content: [{ type: 'text', text: 'accept: eve-name' }] });
  });

  it("relays the upstream's progress on the stream of the round it happens in, with that round's token", async () => {
    const url = gateway.url as URL;
    const first = await rawCall(url, 'steps', { _meta: { progressToken: 'one' } });
    expect(first.result?.['resultType']).toBe('input_required');
    expect(first.progress).toEqual([{ progressToken: 'one', progress: 1 }]);
    const retry = {
      requestState: first.result?.['requestState'],
      inputResponses: { r1: { action: 'accept', content: {} } },
      _meta: { progressToken: 'two' },
    };
    const second = await rawCall(url, 'steps', retry);
    expect(second.result).toMatchObject({ content: [{ type: 'text', text: 'accept' }] });
    expect(second.progress).toEqual([{ progressToken: 'two', progress: 2 }]);
  });

  it('accepts a requestState once: its replay is refused', async () => {
    const first = await rawCall(gateway.url as URL, 'ask', { arguments: { who: 'eve' } });
    expect(first.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { r1: { method: 'elicitation/create' } },
    });
    const requestState = first.result?.['requestState'];
    const inputResponses = { r1: { action: 'accept', content: { name: 'eve-name' } } };
    const retry = { arguments: { who: 'eve' }, requestState, inputResponses };
    const second = await rawCall(gateway.url as URL, 'ask', retry);
    expect(second.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'accept: eve-name' }],
    });
    const replay = await rawCall(gateway.url as URL, 'ask', retry);
    expect(replay.error?.code).toBe(-32602);
  });
});

describe('a held call its client never resumes', () => {
  let short: Gateway;

  beforeAll(async () => {
    short = await httpGateway(upstream.url, { requestTimeoutMs: 1000 });
  }, 60_000);

  afterAll(async () => {
    await short?.close({ drainTimeoutMs: 0 });
  });

  it('is cancelled upstream with its request refused, and its requestState then expires', async () => {
    upstreamSaw.length = 0;
    const first = await rawCall(short.url as URL, 'hold', {}, { elicitation: { form: {} } });
    expect(first.result?.['resultType']).toBe('input_required');
    await vi.waitFor(() => expect(upstreamSaw).toHaveLength(1), { timeout: 10_000 });
    expect(upstreamSaw[0]).toMatch(/^refused: .*did not answer/);
    // The upstream's SDK adds its one prefix; the gateway's answer brings none of its own.
    expect(upstreamSaw[0]).not.toMatch(/MCP error -?\d+: MCP error/);
    const late = await rawCall(short.url as URL, 'hold', {
      requestState: first.result?.['requestState'],
      inputResponses: { r1: { action: 'decline' } },
    });
    expect(late.error?.code).toBe(-32602);
  });
});

describe('the pipeline around the rounds', () => {
  const observed = metrics();
  let piped: Gateway;

  beforeAll(async () => {
    piped = await httpGateway(upstream.url, {
      pipeline: [observed, retry({ retries: 2, idempotent: true })],
    });
  }, 60_000);

  afterAll(async () => {
    await piped?.close({ drainTimeoutMs: 0 });
  });

  it('counts an input_required round as asking for input, not success, and never retries it', async () => {
    const { client, asked } = await modernClient(ALL, undefined, piped.url);
    const result = await client.callTool({ name: 'ask', arguments: { who: 'gus' } });
    expect(result.content).toEqual([{ type: 'text', text: 'accept: gus-name' }]);
    expect(asked.elicit).toEqual(['what is your name, gus?']);
    const text = await observed.registry.metrics();
    expect(text).toMatch(/^mcp_middleware_input_required_total\{[^}]*ask[^}]*\} 1$/m);
  });
});

describe('a held call under auth', () => {
  const KEYS = { ann: 'ann-key-0123456789abcdef', ben: 'ben-key-0123456789abcdef' };
  let guarded: Gateway;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ gateway: guarded, close } = await guardedGateway(upstream.url, {
      apiKeys: {
        keys: Object.entries(KEYS).map(([id, key]) => ({ id, sha256: hashApiKey(key) })),
      },
    }));
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  it("is resumed only by the principal it was issued to: another's requestState is unknown to them", async () => {
    const url = guarded.url as URL;
    const ann = { 'x-api-key': KEYS.ann };
    const first = await rawCall(url, 'ask', { arguments: { who: 'ann' } }, ALL, ann);
    expect(first.result?.['resultType']).toBe('input_required');
    const retry = {
      arguments: { who: 'ann' },
      requestState: first.result?.['requestState'],
      inputResponses: { r1: { action: 'accept', content: { name: 'stolen' } } },
    };
    const stolen = await rawCall(url, 'ask', retry, ALL, { 'x-api-key': KEYS.ben });
    expect(stolen.error?.code).toBe(-32602);
    const own = await rawCall(
      url,
      'ask',
      { ...retry, inputResponses: { r1: { action: 'decline' } } },
      ALL,
      ann,
    );
    expect(own.result).toMatchObject({ content: [{ type: 'text', text: 'decline: undefined' }] });
  });

  it('runs a principal its 17th call held at once unbridged, naming the limit, while another principal is served', async () => {
    const url = guarded.url as URL;
    const ann = { 'x-api-key': KEYS.ann };
    const held = await Promise.all(
      Array.from({ length: 16 }, (_, i) => rawCall(url, 'ask', { arguments: { who: `ann${i}` } }, ALL, ann)),
    );
    expect(held.map((answer) => answer.result?.['resultType'])).toEqual(Array(16).fill('input_required'));
    // Past the cap the call runs unbridged: the upstream's question fails (an isError result), not the call.
    const unbridged = await rawCall(url, 'ask', { arguments: { who: 'ann16' } }, ALL, ann);
    expect(unbridged.error).toBeUndefined();
    expect(unbridged.result).toMatchObject({ isError: true });
    expect(JSON.stringify(unbridged.result)).toMatch(/answer or abandon a pending input_required call/);
    const ben = await rawCall(url, 'ask', { arguments: { who: 'ben' } }, ALL, { 'x-api-key': KEYS.ben });
    expect(ben.result?.['resultType']).toBe('input_required');
    const retry = {
      arguments: { who: 'ann0' },
      requestState: held[0]?.result?.['requestState'],
      inputResponses: { r1: { action: 'decline' } },
    };
    expect((await rawCall(url, 'ask', retry, ALL, ann)).result?.['resultType']).toBe('complete');
    const again = await rawCall(url, 'ask', { arguments: { who: 'ann16' } }, ALL, ann);
    expect(again.result?.['resultType']).toBe('input_required');
  });
});
