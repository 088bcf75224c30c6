// The gateway on the 2026-07-28 wire: a real SDK v2 Client in `auto` mode through `--listen http` in front
// of the SDK v2 everything server negotiates 2026-07-28 (no session, server/discover, the envelope and the
// Mcp-Method/Mcp-Name headers checked as the spec says), every request still passes the pipeline, auth
// guards every request, two clients never hear each other's notifications, and a 1.x upstream still
// serves a 2026 client (on the 2025-11-25 wire, explicitly).
import type { Client } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '@mcp-middleware/auth';
import { defineMiddleware, type Middleware } from '@mcp-middleware/core';
import type { Gateway } from '@mcp-middleware/cli';
import { McpServer } from '@modelcontextprotocol/server';
import { guardedGateway } from './fixtures/guarded-gateway.js';
import { httpGateway } from './fixtures/http-gateway.js';
import { MODERN, ModernClients, postModern, type RawAnswer } from './fixtures/modern-client.js';
import { stdioFixture } from './fixtures/stdio-fixture.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';
import { hostV2, type V2Host } from './proof/conformance-next-runner.js';
import { createEverythingServerV2 } from './proof/everything-server-v2.js';

const USER_KEY = 'user-key-0123456789abcdef';

/** Every operation the pipeline saw, in order. */
const seen: string[] = [];
const spy: Middleware = defineMiddleware('spy', {
  tools: (ctx, next) => {
    seen.push(`tools/call ${ctx.tool.name}`);
    return next();
  },
  requests: {
    '*': (ctx, next) => {
      seen.push(ctx.operation);
      return next();
    },
  },
});

let upstream: V2Host;
let gateway: Gateway;
const clients = new ModernClients('gateway-2026');

interface Heard {
  readonly logs: string[];
  readonly progress: number[];
}

/** A client that declares form elicitation and accepts it with Ada's details. */
const modernClient = (url: URL, headers: Record<string, string> = {}): Promise<Client> =>
  clients.connect(url, {
    headers,
    capabilities: { elicitation: { form: {} } },
    setUp: (client) =>
      client.setRequestHandler('elicitation/create', () =>
        Promise.resolve({ action: 'accept', content: { username: 'ada', email: 'ada@example.com' } }),
      ),
  });

/** A raw 2026-07-28 POST whose envelope declares form elicitation. */
const post = (
  url: URL,
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<RawAnswer> =>
  postModern(url, method, params, { headers, capabilities: { elicitation: { form: {} } } });

beforeAll(async () => {
  upstream = await hostV2((notify) => createEverythingServerV2({ notify }));
  gateway = await httpGateway(upstream.url, { pipeline: [spy] });
}, 60_000);

afterAll(async () => {
  await clients.closeAll();
  await gateway?.close({ drainTimeoutMs: 0 });
  await upstream?.close();
});

describe('the gateway on the 2026-07-28 wire, a v2 upstream behind it', () => {
  it('negotiates 2026-07-28 with a v2 client in auto mode: server/discover answered', async () => {
    const client = await modernClient(gateway.url as URL);
    expect([client.getProtocolEra(), client.getNegotiatedProtocolVersion()]).toEqual(['modern', MODERN]);
    expect(client.getDiscoverResult()?.supportedVersions).toContain(MODERN);
    expect(client.getServerVersion()?.name).toBe('mcp-middleware-proof-everything-v2');
  });

  it('answers a 2026-07-28 request without a session id and without handing one out', async () => {
    const answer = await post(gateway.url as URL, 'tools/list', {}, {});
    expect([answer.status, answer.session]).toEqual([200, null]);
    expect((answer.body['result'] as { resultType?: string }).resultType).toBe('complete');
  });

  it('runs a tool call through the pipeline and the upstream', async () => {
    const client = await modernClient(gateway.url as URL);
    seen.length = 0;
    const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'This is a simple text response for testing.' }]);
    expect(seen).toEqual(['tools/call test_simple_text']);
  });

  it('runs lists, reads and prompts through the pipeline', async () => {
    const client = await modernClient(gateway.url as URL);
    seen.length = 0;
    await client.listTools({}, { cacheMode: 'bypass' });
    await client.readResource({ uri: 'test://static-text' }, { cacheMode: 'bypass' });
    await client.getPrompt({ name: 'test_simple_prompt' });
    expect(seen).toEqual(['tools/list', 'resources/read', 'prompts/get']);
  });

  it('marks a list the pipeline has a step for as private, whatever the upstream said', async () => {
    const answer = await post(gateway.url as URL, 'tools/list', {}, {});
    expect((answer.body['result'] as { cacheScope?: string }).cacheScope).toBe('private');
  });

  it('answers an Mcp-Method header that disagrees with the body 400 with -32020', async () => {
    const answer = await post(gateway.url as URL, 'tools/list', {}, { 'mcp-method': 'prompts/list' });
    expect(answer.status).toBe(400);
    expect((answer.body['error'] as { code: number }).code).toBe(-32020);
  });

  it.each(['ping', 'logging/setLevel', 'resources/subscribe'])(
    'answers a removed method (%s) 404 with -32601',
    async (method) => {
      const params = method === 'logging/setLevel' ? { level: 'debug' } : { uri: 'test://static-text' };
      const answer = await post(gateway.url as URL, method, method === 'ping' ? {} : params, {});
      expect([answer.status, (answer.body['error'] as { code: number }).code]).toEqual([404, -32601]);
    },
  );

  it('passes an unknown tool through as the upstream answered it: -32602', async () => {
    const answer = await post(gateway.url as URL, 'tools/call', { name: 'nope' }, { 'mcp-name': 'nope' });
    expect(answer.body['error']).toEqual({ code: -32602, message: 'Tool nope not found' });
  });

  it('forwards an input_required result, then the client answer, verbatim: the flow completes', async () => {
    const raw = await post(
      gateway.url as URL,
      'tools/call',
      { name: 'test_elicitation', arguments: {} },
      { 'mcp-name': 'test_elicitation' },
    );
    expect((raw.body['result'] as { resultType: string }).resultType).toBe('input_required');
    const client = await modernClient(gateway.url as URL);
    const result = await client.callTool({ name: 'test_elicitation', arguments: {} });
    expect(JSON.stringify(result.content)).toContain('ada');
  });

  it('forwards input_required on prompts/get and the retry with inputResponses verbatim', async () => {
    const first = await post(
      gateway.url as URL,
      'prompts/get',
      { name: 'test_input_required_result_prompt' },
      { 'mcp-name': 'test_input_required_result_prompt' },
    );
    const asked = first.body['result'] as { resultType: string; inputRequests: Record<string, unknown> };
    expect(asked.resultType).toBe('input_required');
    const key = Object.keys(asked.inputRequests)[0] as string;
    const second = await post(
      gateway.url as URL,
      'prompts/get',
      {
        name: 'test_input_required_result_prompt',
        inputResponses: { [key]: { action: 'accept', content: { context: 'from the client' } } },
      },
      { 'mcp-name': 'test_input_required_result_prompt' },
    );
    expect(second.body['result']).toMatchObject({
      resultType: 'complete',
      messages: [{ role: 'user', content: { type: 'text', text: 'Context: from the client' } }],
    });
  });

  it('relays the upstream list changes to an open subscriptions/listen stream', async () => {
    const client = await modernClient(gateway.url as URL);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed += 1;
    });
    const subscription = await client.listen({ toolsListChanged: true });
    try {
      await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
      await expect.poll(() => changed, { timeout: 10_000 }).toBeGreaterThan(0);
      // Once per change: the upstream's listen stream and the gateway's 2025 connection both hear it, and
      // only one of them may speak to 2026 streams. (A duplicate arriving late shows up as a count above 2.)
      await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
      await expect.poll(() => changed, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      await client.listTools();
      expect(changed).toBe(2);
    } finally {
      await subscription.close();
    }
  });

  it('gives each client only the logs and progress of its own requests', async () => {
    const heard = async (client: Client): Promise<Heard> => {
      const found: Heard = { logs: [], progress: [] };
      client.setNotificationHandler('notifications/message', (n) => {
        found.logs.push(String(n.params.data));
      });
      return Promise.resolve(found);
    };
    const a = await modernClient(gateway.url as URL);
    const b = await modernClient(gateway.url as URL);
    const [heardA, heardB] = [await heard(a), await heard(b)];
    await Promise.all([
      a.callTool(
        {
          name: 'test_tool_with_logging',
          arguments: {},
          _meta: { 'io.modelcontextprotocol/logLevel': 'debug' },
        },
        { timeout: 30_000 },
      ),
      b.callTool(
        { name: 'test_tool_with_progress', arguments: {} },
        { onprogress: (p) => heardB.progress.push(p.progress), timeout: 30_000 },
      ),
    ]);
    expect(heardA.logs).toHaveLength(3);
    expect([heardA.progress, heardB.logs]).toEqual([[], []]);
    expect(heardB.progress).toEqual([0, 50, 100]);
  });
});

describe('resource updates on subscriptions/listen', () => {
  const DOC = 'test://doc';
  let docs: V2Host;
  let front: Gateway;

  beforeAll(async () => {
    docs = await hostV2((notify) => {
      const server = new McpServer(
        { name: 'docs', version: '1.0.0' },
        { capabilities: { resources: { subscribe: true, listChanged: true }, tools: {} } },
      );
      server.registerResource('doc', DOC, { mimeType: 'text/plain' }, (uri) => ({
        contents: [{ uri: uri.href, text: 'the doc' }],
      }));
      server.registerTool('touch', { description: 'Says the doc changed' }, () => {
        notify.resourceUpdated(DOC);
        return { content: [{ type: 'text', text: 'touched' }] };
      });
      return server;
    });
    front = await httpGateway(docs.url);
  }, 60_000);

  afterAll(async () => {
    await front?.close({ drainTimeoutMs: 0 });
    await docs?.close();
  });

  it('relays the upstream update of a resource a client listens for', async () => {
    const client = await modernClient(front.url as URL);
    const updated: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => {
      updated.push(n.params.uri);
    });
    const subscription = await client.listen({ resourceSubscriptions: [DOC] });
    try {
      // The gateway widens its own upstream stream when a client asks for a new URI: touch until it has.
      await expect
        .poll(
          async () => {
            await client.callTool({ name: 'touch', arguments: {} });
            return updated;
          },
          { timeout: 15_000, interval: 300 },
        )
        .toContain(DOC);
    } finally {
      await subscription.close();
    }
  });
});

describe('auth on the 2026-07-28 wire', () => {
  let guarded: Gateway;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ gateway: guarded, close } = await guardedGateway(upstream.url, {
      apiKeys: { keys: [{ id: 'user', sha256: hashApiKey(USER_KEY) }] },
      tools: { 'test_error_*': { scopes: ['admin'] } },
    }));
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  it('answers every 2026 request without a key 401 with a Bearer challenge, discover included', async () => {
    for (const method of ['server/discover', 'tools/list', 'tools/call']) {
      const answer = await post(
        guarded.url as URL,
        method,
        { name: 'test_simple_text' },
        {
          ...(method === 'tools/call' && { 'mcp-name': 'test_simple_text' }),
        },
      );
      expect([method, answer.status]).toEqual([method, 401]);
    }
  });

  it('lets a key in, hides what it may not use, and marks the filtered list private', async () => {
    const client = await modernClient(guarded.url as URL, { 'x-api-key': USER_KEY });
    expect(client.getProtocolEra()).toBe('modern');
    const names = (await client.listTools({}, { cacheMode: 'bypass' })).tools.map((t) => t.name);
    expect(names).toContain('test_simple_text');
    expect(names.filter((n) => n.startsWith('test_error_'))).toEqual([]);
    const answer = await post(guarded.url as URL, 'tools/list', {}, { 'x-api-key': USER_KEY });
    expect((answer.body['result'] as { cacheScope?: string }).cacheScope).toBe('private');
  });
});

describe('a 2026-07-28 client in front of a 2025-only upstream (SDK 1.x over stdio)', () => {
  let legacy: Gateway;

  beforeAll(async () => {
    legacy = await httpGateway(stdioFixture('upstream-server.ts'), { pipeline: [spy] });
  }, 60_000);

  afterAll(async () => {
    await legacy?.close({ drainTimeoutMs: 0 });
  });

  it('still negotiates 2026-07-28 downstream and calls the tool on the 2025-11-25 wire upstream', async () => {
    const client = await modernClient(legacy.url as URL);
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    seen.length = 0;
    const result = await client.callTool({ name: 'echo', arguments: { text: 'across eras' } });
    expect(result.content).toEqual([{ type: 'text', text: 'across eras' }]);
    expect(seen).toEqual(['tools/call echo']);
  });

  it('never hands an upstream log line of a 2026 request to an idle 2025 session on the shared connection', async () => {
    const older = new V1Client({ name: 'gateway-2025', version: '1.0.0' });
    const logs: string[] = [];
    older.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(String(n.params.data));
    });
    await older.connect(new V1Transport(legacy.url as URL));
    try {
      const client = await modernClient(legacy.url as URL);
      await client.callTool({ name: 'log', arguments: { message: 'from the 2026 client' } });
      // A round trip of the 2025 session: anything sent to it before has arrived.
      await older.callTool({ name: 'log', arguments: { message: 'its own' } });
      expect(logs).toEqual(['its own']);
    } finally {
      await older.close();
    }
  });
});

describe('a 2026-07-28 client in front of a 2025-only HTTP upstream (SDK 1.x, sessions)', () => {
  let older: HttpUpstreamFixture;
  let front: Gateway;

  beforeAll(async () => {
    older = await startHttpUpstream();
    front = await httpGateway(older.url);
  }, 60_000);

  afterAll(async () => {
    await front?.close({ drainTimeoutMs: 0 });
    await older?.kill();
  });

  it('finds the upstream speaks 2025-11-25 only, and still serves the 2026 client from its 2025 session', async () => {
    const client = await modernClient(front.url as URL);
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'over a 2025 session' } });
    expect(result.content).toEqual([{ type: 'text', text: 'over a 2025 session' }]);
    const unknown = await post(front.url as URL, 'tools/call', { name: 'nope' }, { 'mcp-name': 'nope' });
    // SDK 1.x answers an unknown tool with an isError result: the 2026 client gets what the upstream said.
    expect(unknown.body['result']).toMatchObject({ isError: true, resultType: 'complete' });
    expect(JSON.stringify(unknown.body['result'])).toContain('nope');
  });
});
