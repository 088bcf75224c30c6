// Every request through the full pipeline: without credentials nothing is listed, read or fetched; a
// caller without a scope neither sees nor uses the guarded tool, prompt or resource (answered exactly as an
// unknown one); hostile params on every operation are answered and leave nothing secret behind.
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { withMiddleware, type AuthInfo } from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { withTwinItems } from '../fixtures/twin-items.js';
import { fullPipeline, Observed } from './pipeline.js';
import { table, writeProofSection } from './report.js';
import { scanForSecrets, scannedCount } from './secrets.js';

const TOKEN = `tk_${randomBytes(18).toString('base64url')}`;
const observed = new Observed();
const built = fullPipeline(observed, {
  timeoutMs: 2_000,
  requirements: {
    tools: { 'admin_*': { scopes: ['admin'] } },
    prompts: { 'admin_*': { scopes: ['admin'] } },
    resources: { 'secret://*': { scopes: ['admin'] } },
  },
});
const open: InMemoryConnection[] = [];
const figures = { operations: 0, refused: 0, hiddenCompared: 0, hiddenLeaks: 0, hostile: 0, answered: 0 };

function newServer(): McpServer {
  return withTwinItems(
    withMiddleware(new McpServer({ name: 'proof-requests', version: '1.0.0' }), built.pipeline, {
      events: observed.channel,
    }),
  );
}

async function connect(authInfo?: AuthInfo): Promise<Client> {
  const connection = await connectInMemory(newServer(), authInfo === undefined ? {} : { authInfo });
  open.push(connection);
  return connection.client;
}

const caller = (scopes: string[]): AuthInfo => ({
  token: TOKEN,
  clientId: 'proof-client',
  scopes,
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
});

/** Every operation, as a function of the client; each settles to its answer or its JSON-RPC error. */
const operations: Record<string, (c: Client) => Promise<unknown>> = {
  'tools/list': (c) => c.listTools(),
  'tools/call': (c) => c.callTool({ name: 'echo', arguments: { text: 'hi' } }),
  'prompts/list': (c) => c.listPrompts(),
  'prompts/get': (c) => c.getPrompt({ name: 'greet', arguments: { who: 'ann' } }),
  'resources/list': (c) => c.listResources(),
  'resources/templates/list': (c) => c.listResourceTemplates(),
  'resources/read': (c) => c.readResource({ uri: 'docs://readme' }),
  'completion/complete': (c) =>
    c.complete({ ref: { type: 'ref/resource', uri: 'notes://{id}' }, argument: { name: 'id', value: '' } }),
};

const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error instanceof McpError ? [error.code, error.message] : String(error) }),
  );

afterAll(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  built.close();
  const outputs = {
    logs: observed.logs,
    spans: observed.spanTexts(),
    metrics: (await observed.registry.metrics()).split('\n'),
  };
  const leaks = scanForSecrets(outputs, [TOKEN]);
  expect(leaks).toEqual([]);
  writeProofSection(
    'requests',
    [
      '## Every request',
      '',
      'The full pipeline (`test/proof/pipeline.ts`) on a real `McpServer` with `auth` requiring the',
      '`admin` scope for `admin_*` tools and prompts and `secret://*` resources, driven by the real SDK',
      'client over InMemoryTransport (`test/proof/requests.test.ts`).',
      '',
      table(
        ['what', 'figure'],
        [
          ['operations tried without credentials', figures.operations],
          ['refused (none listed, read, fetched or called)', figures.refused],
          ['hidden answers compared byte for byte with unknown names', figures.hiddenCompared],
          ['hidden items that showed through (lists, answers)', figures.hiddenLeaks],
          ['hostile requests (operation × malformed, huge, deep, unknown method)', figures.hostile],
          ['answered (a result or a JSON-RPC error), server still serving', figures.answered],
          ['log lines, spans and metric lines scanned for the token', scannedCount(outputs)],
          ['secrets found', leaks.length],
        ],
      ),
    ].join('\n'),
  );
});

describe('every request through the full pipeline', () => {
  it('refuses every operation to a caller without credentials', async () => {
    const client = await connect();
    for (const [name, run] of Object.entries(operations)) {
      figures.operations++;
      const answer = await settle(run(client));
      if (name === 'tools/call') {
        expect(answer).toMatchObject({ value: { isError: true } });
        expect(JSON.stringify(answer)).toContain('UNAUTHENTICATED');
      } else {
        expect(answer, name).toHaveProperty('error');
      }
      figures.refused++;
    }
  });

  it('hides what a caller may not use: lists leave it out, calls answer as for an unknown name', async () => {
    const reader = await connect(caller(['read']));
    const admin = await connect(caller(['admin']));
    const names = async (c: Client): Promise<string[]> => [
      ...(await c.listTools()).tools.map((t) => t.name),
      ...(await c.listPrompts()).prompts.map((p) => p.name),
      ...(await c.listResources()).resources.map((r) => r.uri),
    ];
    const seenByReader = await names(reader);
    const seenByAdmin = await names(admin);
    expect(seenByAdmin).toEqual(expect.arrayContaining(['admin_echo', 'admin_greet', 'secret://keys']));
    figures.hiddenLeaks += seenByReader.filter((n) => /^admin_|^secret:/.test(n)).length;
    expect(seenByReader).toEqual(expect.arrayContaining(['echo', 'greet', 'docs://readme']));

    const pairs: [() => Promise<unknown>, () => Promise<unknown>][] = [
      [
        () => reader.callTool({ name: 'admin_echo', arguments: { text: 'x' } }),
        () => reader.callTool({ name: 'admin_nope', arguments: { text: 'x' } }),
      ],
      [
        () => reader.getPrompt({ name: 'admin_greet', arguments: { who: 'x' } }),
        () => reader.getPrompt({ name: 'admin_nope' }),
      ],
      [
        () => reader.readResource({ uri: 'secret://keys' }),
        () => reader.readResource({ uri: 'secret://nope' }),
      ],
    ];
    for (const [hidden, unknown] of pairs) {
      const normalise = (answer: unknown): string =>
        JSON.stringify(answer).replace(/admin_\w+|secret:\/\/\w+/g, 'NAME');
      const a = normalise(await settle(hidden()));
      const b = normalise(await settle(unknown()));
      figures.hiddenCompared++;
      if (a !== b) figures.hiddenLeaks++;
      expect(a).toBe(b);
    }
    expect(figures.hiddenLeaks).toBe(0);
  });

  it('answers hostile params on every operation and keeps serving', async () => {
    const client = await connect(caller(['read']));
    const huge = 'x'.repeat(1_000_000);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    // Params that are not an object (42, 'a string', [1, 2]) are dropped by SDK 1.32's own message check
    // before any handler runs, so the bare server never answers them either; the seam cannot see them.
    const hostile: unknown[] = [
      {},
      { name: 42, uri: 42, arguments: 'no', ref: 7, cursor: { nested: true } },
      { name: huge, uri: huge, arguments: { text: huge } },
      { name: 'echo', uri: 'docs://readme', arguments: deep, cursor: deep },
      JSON.parse('{"__proto__": {"polluted": true}, "name": "echo", "constructor": {"prototype": {"x": 1}}}'),
    ];
    const methods = [...Object.keys(operations), 'no/such/method', 'resources/subscribe', 'logging/setLevel'];
    for (const method of methods) {
      for (const params of hostile) {
        figures.hostile++;
        const answer = await settle(client.request({ method, params } as never, ResultSchema));
        expect(answer).toBeDefined();
        figures.answered++;
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await client.callTool({ name: 'echo', arguments: { text: 'still here' } })).toMatchObject({
      content: [{ text: 'still here' }],
    });
  });
});
