// The MRTR bridge's cap never refuses a call up front: a real SDK 1.32 McpServer over HTTP (2025-11-25 only),
// the real gateway with API-key auth (so every call has a principal and the per-principal cap applies) and
// raw 2026-07-28 POSTs whose envelope declares what IDE clients declare (roots, elicitation). Each bridged
// call holds an upstream session; past the cap a call runs on the gateway's shared 2025 connection, where
// a call that asks its client nothing is served, and only an upstream's question fails.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { hashApiKey } from '@mcp-middleware/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardedGateway, type GuardedGateway } from './fixtures/guarded-gateway.js';
import { postModern, type RawAnswer } from './fixtures/modern-client.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

const KEY = 'ann-key-0123456789abcdef';
const ROOTS = { roots: {} };
const ELICIT = { elicitation: { form: {} } };
const NAME_SCHEMA = { type: 'object' as const, properties: { name: { type: 'string' as const } } };
/** The bridge's default cap per principal (bridge-sessions.ts). */
const PER_PRINCIPAL = 16;

/** A 2025-only upstream: a resource, a prompt and a tool that ask nothing, and a tool that elicits. */
function createUpstream(): McpServer {
  const server = new McpServer({ name: 'capacity-1x', version: '1.0.0' });
  server.registerResource('doc', 'doc://plain', {}, (uri) => ({
    contents: [{ uri: uri.href, text: 'plain' }],
  }));
  server.registerPrompt('hello', { argsSchema: { who: z.string() } }, ({ who }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `hello ${who}` } }],
  }));
  server.registerTool('echo', { inputSchema: { said: z.string() } }, ({ said }) => ({
    content: [{ type: 'text', text: said }],
  }));
  server.registerTool('ask', { inputSchema: { who: z.string() } }, async ({ who }, extra) => {
    const answer = await server.server.elicitInput(
      { message: `what is your name, ${who}?`, requestedSchema: NAME_SCHEMA },
      { relatedRequestId: extra.requestId },
    );
    return { content: [{ type: 'text', text: `${answer.action}: ${String(answer.content?.['name'])}` }] };
  });
  return server;
}

let upstream: HttpUpstreamFixture;
let guarded: GuardedGateway;

beforeAll(async () => {
  upstream = await startHttpUpstream(() => createUpstream());
  guarded = await guardedGateway(upstream.url, {
    apiKeys: { keys: [{ id: 'ann', sha256: hashApiKey(KEY) }] },
  });
}, 60_000);

afterAll(async () => {
  await guarded?.close();
  await upstream?.kill();
});

/** A raw 2026-07-28 request as ann, its envelope declaring `capabilities`. */
function post(method: string, params: Record<string, unknown>, capabilities: object): Promise<RawAnswer> {
  const name = params['name'] ?? params['uri'];
  return postModern(guarded.gateway.url as URL, method, params, {
    capabilities: capabilities as Record<string, unknown>,
    headers: { 'x-api-key': KEY, ...(typeof name === 'string' && { 'mcp-name': name }) },
  });
}

const ask = (who: string, extra: object = {}): Promise<RawAnswer> =>
  post('tools/call', { name: 'ask', arguments: { who }, ...extra }, ELICIT);

/** The i-th plain request: a read, a prompt or a tool call in turn, with the text its answer must carry. */
function plain(i: number): [Promise<RawAnswer>, string] {
  if (i % 3 === 0) return [post('resources/read', { uri: 'doc://plain' }, ROOTS), 'plain'];
  if (i % 3 === 1)
    return [post('prompts/get', { name: 'hello', arguments: { who: `p${i}` } }, ROOTS), `hello p${i}`];
  return [post('tools/call', { name: 'echo', arguments: { said: `e${i}` } }, ROOTS), `e${i}`];
}

describe('a principal whose bridged calls fill the cap', () => {
  it('is still served every plain read, prompt and tool call, more of them at once than the cap', async () => {
    const held = await Promise.all(Array.from({ length: PER_PRINCIPAL }, (_, i) => ask(`ann${i}`)));
    expect(
      held.map((answer) => (answer.body['result'] as Record<string, unknown> | undefined)?.['resultType']),
    ).toEqual(Array(PER_PRINCIPAL).fill('input_required'));
    const calls = Array.from({ length: 40 }, (_, i) => plain(i));
    const answers = await Promise.all(calls.map(([answer]) => answer));
    answers.forEach((answer, i) => {
      expect(answer.body['error'], `request ${i}`).toBeUndefined();
      expect(JSON.stringify(answer.body['result']), `request ${i}`).toContain(calls[i]?.[1]);
    });
    // A call past the cap that does ask runs unbridged: the upstream's question fails, not the call up front.
    const unbridged = await ask('ann16');
    expect(unbridged.body['result']).toMatchObject({ isError: true });
    expect(JSON.stringify(unbridged.body['result'])).toMatch(
      /cannot tell which of its clients elicitation\/create is for.*cap on calls open at once \(maxCallsPerPrincipal, maxCalls\) is not reached: answer or abandon a pending input_required call/,
    );
    // Once a held call ends, an asking call is bridged again and its retry answers it.
    const first = held[0]?.body['result'] as Record<string, unknown>;
    const done = await ask('ann0', {
      requestState: first['requestState'],
      inputResponses: { r1: { action: 'accept', content: { name: 'ann' } } },
    });
    expect(done.body['result']).toMatchObject({ content: [{ type: 'text', text: 'accept: ann' }] });
    const again = await ask('ann17');
    const asked = again.body['result'] as Record<string, unknown>;
    expect(asked['resultType']).toBe('input_required');
    const answered = await ask('ann17', {
      requestState: asked['requestState'],
      inputResponses: { r1: { action: 'accept', content: { name: 'ann-17' } } },
    });
    expect(answered.body['result']).toMatchObject({ content: [{ type: 'text', text: 'accept: ann-17' }] });
  });
});
