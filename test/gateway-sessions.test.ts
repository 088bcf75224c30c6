// Two HTTP clients through one gateway: each gets its own logs, elicitations, samplings and resource updates,
// never the other's; the upstream sees what each client declared. Over an HTTP upstream (an upstream session
// per client) and over a stdio upstream (one shared connection, routed by who has a request in flight).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type ClientCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type UpstreamSpec } from '@mcp-middleware/cli';
import { stdioFixture } from './fixtures/stdio-fixture.js';
import { text } from './fixtures/upstream-helpers.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

const STDIO: UpstreamSpec = stdioFixture('upstream-server.ts');
const CAPABILITIES: ClientCapabilities = { elicitation: { form: {} }, sampling: {}, roots: {} };

/** One client of the gateway and everything the gateway sent it unasked. */
interface Peer {
  readonly client: Client;
  readonly logs: string[];
  readonly updates: string[];
  readonly asked: string[];
}

async function peer(gateway: Gateway, name: string): Promise<Peer> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: CAPABILITIES });
  const found: Peer = { client, logs: [], updates: [], asked: [] };
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    found.logs.push(String(n.params.data));
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    found.updates.push(n.params.uri);
  });
  client.setRequestHandler(ElicitRequestSchema, () => {
    found.asked.push('elicitation');
    return { action: 'accept', content: { name } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, () => {
    found.asked.push('sampling');
    return { role: 'assistant', model: 'test', content: { type: 'text', text: `sampled by ${name}` } };
  });
  await client.connect(new StreamableHTTPClientTransport(gateway.url as URL));
  return found;
}

/** A round trip on `p`'s session, so anything the gateway sent it before has arrived. */
async function settle(p: Peer): Promise<void> {
  await p.client.ping();
  await p.client.callTool({ name: 'echo', arguments: { text: 'sync' } });
}

const modes: readonly (readonly [string, () => Promise<{ spec: UpstreamSpec; stop(): Promise<void> }>])[] = [
  [
    'an HTTP upstream',
    async () => {
      const upstream: HttpUpstreamFixture = await startHttpUpstream();
      return { spec: { url: upstream.url }, stop: () => upstream.kill() };
    },
  ],
  ['a stdio upstream', () => Promise.resolve({ spec: STDIO, stop: () => Promise.resolve() })],
];

describe.each(modes)('two HTTP clients through one gateway in front of %s', (_mode, startUpstream) => {
  let gateway: Gateway;
  let a: Peer;
  let b: Peer;
  let stopUpstream: () => Promise<void>;

  beforeAll(async () => {
    const upstream = await startUpstream();
    stopUpstream = upstream.stop;
    gateway = await createGateway({ upstream: upstream.spec, listen: 'http://127.0.0.1:0/mcp' });
    a = await peer(gateway, 'alice');
    b = await peer(gateway, 'bob');
  }, 30_000);
  afterAll(async () => {
    await a.client.close();
    await b.client.close();
    await gateway.close({ drainTimeoutMs: 0 });
    await stopUpstream();
  });

  it("delivers a tool's log lines to the client that called it and to no other", async () => {
    await a.client.callTool({ name: 'log', arguments: { message: 'for alice only' } });
    await settle(a);
    await settle(b);
    expect(a.logs).toContain('for alice only');
    expect(b.logs).not.toContain('for alice only');
  });

  it('forwards an elicitation to the client whose call asked, with its answer coming back', async () => {
    const before = b.asked.length;
    expect(text(await a.client.callTool({ name: 'ask', arguments: {} }))).toBe('alice');
    expect(text(await b.client.callTool({ name: 'ask', arguments: {} }))).toBe('bob');
    expect(b.asked.length - before).toBe(1);
  });

  it('forwards a sampling request to the client whose call asked', async () => {
    expect(text(await b.client.callTool({ name: 'sample', arguments: {} }))).toBe('sampled by bob');
  });

  it('declares upstream the capabilities the client declared', async () => {
    const declared: unknown = JSON.parse(
      text(await a.client.callTool({ name: 'client_caps', arguments: {} })),
    );
    expect(Object.keys(declared as object).sort()).toEqual(['elicitation', 'roots', 'sampling']);
  });

  it('subscribes upstream and sends resource updates only to the subscribed client', async () => {
    await a.client.subscribeResource({ uri: 'fixture://greeting' });
    const listed: unknown = JSON.parse(
      text(await a.client.callTool({ name: 'subscriptions', arguments: {} })),
    );
    expect(listed).toEqual(['fixture://greeting']);
    await a.client.callTool({ name: 'touch', arguments: { uri: 'fixture://greeting' } });
    await settle(a);
    await settle(b);
    expect(a.updates).toEqual(['fixture://greeting']);
    expect(b.updates).toEqual([]);
  });

  it('unsubscribes upstream when the client unsubscribes', async () => {
    await a.client.unsubscribeResource({ uri: 'fixture://greeting' });
    const listed: unknown = JSON.parse(
      text(await a.client.callTool({ name: 'subscriptions', arguments: {} })),
    );
    expect(listed).toEqual([]);
  });
});

describe("a stdio upstream's environment", () => {
  const SECRET = 'MCP_GATEWAY_TEST_SECRET';
  const envVia = async (spec: UpstreamSpec, name: string): Promise<unknown> => {
    const gateway = await createGateway({ upstream: spec, listen: 'http://127.0.0.1:0/mcp' });
    const client = new Client({ name: 'env-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(gateway.url as URL));
    const value: unknown = JSON.parse(text(await client.callTool({ name: 'env', arguments: { name } })));
    await client.close();
    await gateway.close({ drainTimeoutMs: 0 });
    return value;
  };
  beforeAll(() => {
    process.env[SECRET] = 'do-not-leak';
  });
  afterAll(() => {
    delete process.env[SECRET];
  });

  it("keeps the gateway's own variables from the upstream by default, but passes PATH", async () => {
    expect(await envVia(STDIO, SECRET)).toBeNull();
    expect(await envVia(STDIO, 'PATH')).toBe(process.env['PATH']);
  });

  it('passes a variable that inheritEnv names, and sets what env names', async () => {
    expect(await envVia({ ...STDIO, inheritEnv: ['MCP_GATEWAY_TEST_*'] }, SECRET)).toBe('do-not-leak');
    expect(await envVia({ ...STDIO, env: { CONFIGURED: 'yes' } }, 'CONFIGURED')).toBe('yes');
  });
});
