// auth() on every request, through a real McpServer and Client, in memory and over Streamable HTTP: no credential
// is refused everywhere; what a caller may not use is neither listed nor usable, and answers as an unknown name.
import { apiKeys, auth, hashApiKey } from '@mcp-middleware/auth';
import { ERROR_META_KEY, EventChannel, withMiddleware, type MiddlewareEvent } from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serveHttp, type HttpFixture } from './helpers/http-server.js';

type Who = 'nobody' | 'user' | 'admin';
const KEYS: Record<Exclude<Who, 'nobody'>, string> = { user: 'user-key-1', admin: 'admin-key-1' };
const events: MiddlewareEvent[] = [];

/** One of each kind, and an admin-only twin of each; `guarded` adds auth, `secrets: false` leaves the twins out. */
function newServer(options: { guarded: boolean; secrets?: boolean; fromHeader?: boolean }): McpServer {
  const server = new McpServer({ name: 'auth-requests', version: '1.0.0' });
  if (options.guarded) {
    const channel = new EventChannel();
    channel.subscribe((event) => events.push(event));
    const from =
      options.fromHeader === true
        ? apiKeys({
            keys: [
              { id: 'user', sha256: hashApiKey(KEYS.user) },
              { id: 'admin', sha256: hashApiKey(KEYS.admin), scopes: ['admin'] },
            ],
          })
        : undefined;
    const admin = { scopes: ['admin'] };
    withMiddleware(
      server,
      [
        auth({
          ...(from !== undefined && { from }),
          tools: { 'admin_*': admin },
          prompts: { 'admin_*': admin },
          resources: { 'secret*': admin },
        }),
      ],
      { events: channel },
    );
  }
  const secrets = options.secrets !== false;
  for (const name of secrets ? ['echo', 'admin_echo'] : ['echo']) {
    server.registerTool(name, { inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
  }
  for (const name of secrets ? ['greet', 'admin_greet'] : ['greet']) {
    server.registerPrompt(name, { argsSchema: { who: z.string() } }, ({ who }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `hello ${who}` } }],
    }));
  }
  for (const uri of secrets ? ['docs://readme', 'secret://keys'] : ['docs://readme']) {
    server.registerResource(uri, uri, {}, () => ({ contents: [{ uri, text: `contents of ${uri}` }] }));
  }
  for (const template of secrets ? ['notes://{id}', 'secret-notes://{id}'] : ['notes://{id}']) {
    server.registerResource(
      template,
      new ResourceTemplate(template, { list: undefined, complete: { id: () => ['1', '2'] } }),
      {},
      (uri) => ({ contents: [{ uri: uri.href, text: 'a note' }] }),
    );
  }
  return server;
}

const inMemory: InMemoryConnection[] = [];
const hosts: HttpFixture[] = [];
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(inMemory.splice(0).map((c) => c.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
});

interface Transport {
  readonly name: string;
  /** A client of a guarded server, as `who`. */
  guarded(who: Who): Promise<Client>;
  /** A client of the bare server without the admin twins (every hidden name is unknown there). */
  bare(): Promise<Client>;
}

const memory: Transport = {
  name: 'in memory',
  async guarded(who) {
    const authInfo =
      who === 'nobody'
        ? undefined
        : { token: `t-${who}`, clientId: who, scopes: who === 'admin' ? ['admin'] : [] };
    const connection = await connectInMemory(newServer({ guarded: true }), { authInfo });
    inMemory.push(connection);
    return connection.client;
  },
  async bare() {
    const connection = await connectInMemory(newServer({ guarded: false, secrets: false }));
    inMemory.push(connection);
    return connection.client;
  },
};

async function httpClient(url: URL, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'auth-requests-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  clients.push(client);
  return client;
}

let guardedHost: HttpFixture | undefined;
let bareHost: HttpFixture | undefined;
const http: Transport = {
  name: 'over Streamable HTTP',
  async guarded(who) {
    if (guardedHost === undefined) {
      guardedHost = await serveHttp(() => newServer({ guarded: true, fromHeader: true }));
      hosts.push(guardedHost);
    }
    return httpClient(guardedHost.url, who === 'nobody' ? {} : { 'x-api-key': KEYS[who] });
  },
  async bare() {
    if (bareHost === undefined) {
      bareHost = await serveHttp(() => newServer({ guarded: false, secrets: false }));
      hosts.push(bareHost);
    }
    return httpClient(bareHost.url, {});
  },
};

/** The JSON-RPC error a request was refused with, as the client sees it. */
async function failure(request: Promise<unknown>): Promise<{ code: number; message: string; data: unknown }> {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof McpError)) throw new Error(`expected a JSON-RPC error, got ${String(error)}`);
  return { code: error.code, message: error.message, data: error.data };
}

const completeRef = (ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string }) => ({
  ref,
  argument: { name: ref.type === 'ref/prompt' ? 'who' : 'id', value: '' },
});

describe.each([memory, http])('auth() on every request $name', (transport) => {
  it('refuses every operation to a caller without credentials as UNAUTHENTICATED', async () => {
    const client = await transport.guarded('nobody');
    const call = (await client.callTool({ name: 'echo', arguments: { text: 'x' } })) as CallToolResult;
    const refused = await Promise.all([
      failure(client.listTools()),
      failure(client.listPrompts()),
      failure(client.getPrompt({ name: 'greet', arguments: { who: 'x' } })),
      failure(client.listResources()),
      failure(client.listResourceTemplates()),
      failure(client.readResource({ uri: 'docs://readme' })),
      failure(client.complete(completeRef({ type: 'ref/resource', uri: 'notes://{id}' }))),
    ]);
    expect(call._meta?.[ERROR_META_KEY]).toMatchObject({ code: 'UNAUTHENTICATED' });
    for (const error of refused) {
      expect(error.message).toContain('authentication failed: no credentials were presented');
      expect(error.data).toMatchObject({ [ERROR_META_KEY]: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('lists only what a caller without the admin scope may use', async () => {
    const client = await transport.guarded('user');
    const names = [
      (await client.listTools()).tools.map((t) => t.name),
      (await client.listPrompts()).prompts.map((p) => p.name),
      (await client.listResources()).resources.map((r) => r.uri),
      (await client.listResourceTemplates()).resourceTemplates.map((r) => r.uriTemplate),
    ];
    expect(names).toEqual([['echo'], ['greet'], ['docs://readme'], ['notes://{id}']]);
  });

  it('lists everything to a caller with the admin scope', async () => {
    const client = await transport.guarded('admin');
    const names = [
      (await client.listTools()).tools.map((t) => t.name),
      (await client.listPrompts()).prompts.map((p) => p.name),
      (await client.listResources()).resources.map((r) => r.uri),
      (await client.listResourceTemplates()).resourceTemplates.map((r) => r.uriTemplate),
    ];
    expect(names).toEqual([
      ['echo', 'admin_echo'],
      ['greet', 'admin_greet'],
      ['docs://readme', 'secret://keys'],
      ['notes://{id}', 'secret-notes://{id}'],
    ]);
  });

  it('answers a hidden tool, prompt, resource and completion byte for byte as the bare server answers an unknown one', async () => {
    const answers = async (client: Client): Promise<string> =>
      JSON.stringify([
        await client.callTool({ name: 'admin_echo', arguments: { text: 'x' } }),
        await failure(client.getPrompt({ name: 'admin_greet', arguments: { who: 'x' } })),
        await failure(client.readResource({ uri: 'secret://keys' })),
        await failure(client.readResource({ uri: 'secret-notes://1' })),
        await failure(client.complete(completeRef({ type: 'ref/prompt', name: 'admin_greet' }))),
        await failure(client.complete(completeRef({ type: 'ref/resource', uri: 'secret-notes://{id}' }))),
      ]);
    events.length = 0;
    const hidden = await answers(await transport.guarded('user'));
    expect(hidden).toBe(await answers(await transport.bare()));
    expect(events.filter((e) => e.type === 'reject').map((e) => e.type === 'reject' && e.code)).toEqual(
      Array(6).fill('FORBIDDEN'),
    );
  });

  it('lets a caller with the admin scope use every guarded tool, prompt and resource', async () => {
    const client = await transport.guarded('admin');
    const call = (await client.callTool({ name: 'admin_echo', arguments: { text: 'x' } })) as CallToolResult;
    const prompt = await client.getPrompt({ name: 'admin_greet', arguments: { who: 'x' } });
    const read = await client.readResource({ uri: 'secret://keys' });
    const note = await client.readResource({ uri: 'secret-notes://1' });
    expect([call.isError, prompt.messages.length, read.contents[0]?.uri, note.contents[0]?.uri]).toEqual([
      undefined,
      1,
      'secret://keys',
      'secret-notes://1',
    ]);
  });
});
