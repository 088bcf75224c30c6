// Auth guards every 2026-07-28 request the gateway answers, as a class: every client request method of both
// revisions, sent without credentials to a gateway whose pipeline holds auth (and no HTTP front door), is
// refused and reaches neither the upstream nor the gateway's state; a caller lacking a resource's scope
// gets, for every method naming that resource (a `subscriptions/listen` included), exactly what
// `resources/read` of it answers; and a listen stream only ever hears the URIs it was admitted for, in front
// of a 2026-07-28 upstream (the gateway's upstream listen) and a 2025-only one (its 2025 subscriptions).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ClientRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { RequestMethod } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys, auth, hashApiKey } from '@mcp-middleware/auth';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { guardedGateway } from './fixtures/guarded-gateway.js';
import { postModern } from './fixtures/modern-client.js';
import { text } from './fixtures/upstream-helpers.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';
import {
  PUBLIC_URI,
  SECRET_TEMPLATE,
  SECRET_URI,
  startSecretsUpstream,
  type SecretsUpstream,
} from './fixtures/upstream-v2-secrets.js';

const USER_KEY = 'user-key-0123456789abcdef';
const ADMIN_KEY = 'admin-key-0123456789abcdef';
const KEYS = {
  keys: [
    { id: 'user', sha256: hashApiKey(USER_KEY) },
    { id: 'admin', sha256: hashApiKey(ADMIN_KEY), scopes: ['admin'] },
  ],
};
const SECRETS = { 'secret://*': { scopes: ['admin'] } };
const POLL = { timeout: 20_000, interval: 100 };

/** A JSON-RPC answer: the first message of the response (a listen stream's acknowledgement, say). */
interface Answer {
  readonly status: number;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: unknown };
  readonly method?: string;
}

/** One raw 2026-07-28 POST; reads the response up to its first JSON-RPC message, then lets it go. */
async function post(
  url: URL,
  method: string,
  params: object,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { name, uri, taskId } = params as { name?: unknown; uri?: unknown; taskId?: unknown };
  const named = name ?? uri ?? taskId;
  const answer = await postModern(url, method, params as Record<string, unknown>, {
    firstMessageOnly: true,
    headers: { ...(typeof named === 'string' && { 'mcp-name': named }), ...headers },
  });
  return { status: answer.status, ...answer.body };
}

const ERROR_KEY = 'io.github.mcp-middleware/error';

/** The code of the gateway's refusal in `answer` (a JSON-RPC error or an isError result), else undefined. */
function refusalOf(answer: Answer): string | undefined {
  const detail = (answer.error?.data ??
    (answer.result?.['isError'] === true ? answer.result['_meta'] : undefined)) as
    Record<string, { code?: string }> | undefined;
  return detail?.[ERROR_KEY]?.code;
}

/**
 * Every request method of SDK v2 (both revisions, both directions: `Record<RequestMethod, …>` does not
 * compile without a row for a method a new SDK adds) and of SDK 1.32's client schema (tasks), with params a
 * gateway without a guard would serve.
 */
const PARAMS: Readonly<Record<RequestMethod, object>> = {
  ping: {},
  initialize: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  'server/discover': {},
  'tools/list': {},
  'tools/call': { name: 'touch', arguments: { uri: PUBLIC_URI } },
  'prompts/list': {},
  'prompts/get': { name: 'hello', arguments: { name: 'ada' } },
  'resources/list': {},
  'resources/templates/list': {},
  'resources/read': { uri: PUBLIC_URI },
  'resources/subscribe': { uri: PUBLIC_URI },
  'resources/unsubscribe': { uri: PUBLIC_URI },
  'completion/complete': {
    ref: { type: 'ref/prompt', name: 'hello' },
    argument: { name: 'name', value: 'a' },
  },
  'logging/setLevel': { level: 'debug' },
  'subscriptions/listen': {
    notifications: {
      toolsListChanged: true,
      resourcesListChanged: true,
      resourceSubscriptions: [PUBLIC_URI],
    },
  },
  'sampling/createMessage': { messages: [], maxTokens: 1 },
  'elicitation/create': { message: 'who?', requestedSchema: { type: 'object', properties: {} } },
  'roots/list': {},
};
const METHODS = [
  ...new Set<string>([
    ...Object.keys(PARAMS),
    ...ClientRequestSchema.options.map((o) => (o.shape.method as { value: string }).value),
  ]),
];
const paramsOf = (method: string): object =>
  (PARAMS as Readonly<Record<string, object>>)[method] ??
  (method.startsWith('tasks/') ? { taskId: 't' } : {});

let upstream: SecretsUpstream;

beforeAll(async () => {
  upstream = await startSecretsUpstream();
}, 60_000);

afterAll(async () => {
  await upstream?.close();
});

describe('a caller without credentials, where no front door gates (auth in the pipeline only)', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await createGateway({
      upstream: { url: upstream.url.href },
      listen: 'http://127.0.0.1:0/mcp',
      pipeline: [auth({ from: apiKeys(KEYS), resources: SECRETS })],
    });
    // The gateway's own upstream traffic (its probe and listen stream) has begun: a caller with a key is served.
    const answer = await post(gateway.url as URL, 'tools/list', {}, { 'x-api-key': USER_KEY });
    expect(answer.result).toBeDefined();
  }, 60_000);

  afterAll(async () => {
    await gateway?.close({ drainTimeoutMs: 0 });
  });

  it.each(METHODS)('refuses %s, and nothing of it reaches the upstream', async (method) => {
    const before = upstream.received.length;
    const answer = await post(gateway.url as URL, method, paramsOf(method));
    // The 2026 door has no such method at all, or auth refused it (a tool call as an isError result).
    if (answer.error?.code !== -32601)
      expect([method, refusalOf(answer)]).toEqual([method, 'UNAUTHENTICATED']);
    // Only the gateway's own traffic may reach the upstream meanwhile: never this request, nor a URI of it.
    const arrived = upstream.received.slice(before);
    expect(arrived.filter((r) => r.method === method && method !== 'subscriptions/listen')).toEqual([]);
    expect(JSON.stringify(arrived)).not.toContain(PUBLIC_URI);
  });
});

/** What a caller lacking `secret://*`'s scope sends that names a secret resource, and what it must get. */
const SECRET_PROBES: readonly (readonly [string, string, object])[] = [
  [
    'a listen for the secret resource',
    'subscriptions/listen',
    { notifications: { resourceSubscriptions: [SECRET_URI] } },
  ],
  [
    'a listen for a public and the secret resource, with list changes',
    'subscriptions/listen',
    { notifications: { toolsListChanged: true, resourceSubscriptions: [PUBLIC_URI, SECRET_URI] } },
  ],
];

describe.each(['hide', 'refuse'] as const)(
  'a caller lacking the scope of a resource (forbidden: %s)',
  (forbidden) => {
    let gateway: Gateway;
    let close: (() => Promise<void>) | undefined;
    const user = { 'x-api-key': USER_KEY };

    beforeAll(async () => {
      ({ gateway, close } = await guardedGateway(upstream.url, {
        apiKeys: KEYS,
        resources: SECRETS,
        forbidden,
      }));
    }, 60_000);

    afterAll(async () => {
      await close?.();
    });

    it.each(SECRET_PROBES)(
      'answers %s exactly as resources/read of it, and the upstream never hears of it',
      async (_, method, params) => {
        const read = await post(gateway.url as URL, 'resources/read', { uri: SECRET_URI }, user);
        expect(read.error?.code).toBe(forbidden === 'hide' ? -32602 : -32603);
        const before = upstream.received.length;
        const answer = await post(gateway.url as URL, method, params, user);
        expect(answer).toEqual(read);
        expect(JSON.stringify(upstream.received.slice(before))).not.toContain('secret://');
      },
    );

    it('leaves the secret resource and template out of the lists, and refuses to complete the template', async () => {
      const resources = await post(gateway.url as URL, 'resources/list', {}, user);
      const templates = await post(gateway.url as URL, 'resources/templates/list', {}, user);
      expect(JSON.stringify([resources.result, templates.result])).not.toContain('secret://');
      expect(JSON.stringify(resources.result)).toContain(PUBLIC_URI);
      const completion = await post(
        gateway.url as URL,
        'completion/complete',
        { ref: { type: 'ref/resource', uri: SECRET_TEMPLATE }, argument: { name: 'id', value: '' } },
        user,
      );
      expect([completion.result, completion.error?.code]).toEqual([
        undefined,
        forbidden === 'hide' ? -32602 : -32603,
      ]);
    });

    it('opens the same listen for a caller with the scope', async () => {
      const answer = await post(gateway.url as URL, 'subscriptions/listen', SECRET_PROBES[1]?.[2] ?? {}, {
        'x-api-key': ADMIN_KEY,
      });
      expect(answer.method).toBe('notifications/subscriptions/acknowledged');
    });
  },
);

/** A 2026-07-28 client with a key, listening for `uris`, and the updates its stream heard. */
async function listening(
  url: URL,
  key: string,
  uris: string[],
): Promise<{ client: Client; updates: string[] }> {
  const client = new Client({ name: 'listener', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  const updates: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    updates.push(n.params.uri);
  });
  await client.connect(
    new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'x-api-key': key } } }),
  );
  await client.listen({ resourceSubscriptions: uris });
  return { client, updates };
}

describe('listen streams hear only the URIs they were admitted for', () => {
  const opened: Client[] = [];

  afterAll(async () => {
    for (const client of opened) await client.close().catch(() => undefined);
  });

  it('in front of a 2026-07-28 upstream (the gateway widens its own upstream listen)', async () => {
    const { gateway, close } = await guardedGateway(upstream.url, { apiKeys: KEYS, resources: SECRETS });
    try {
      const user = await listening(gateway.url as URL, USER_KEY, [PUBLIC_URI]);
      const admin = await listening(gateway.url as URL, ADMIN_KEY, [SECRET_URI]);
      opened.push(user.client, admin.client);
      const touch = (uri: string) => async () => {
        await admin.client.callTool({ name: 'touch', arguments: { uri } });
        return uri === SECRET_URI ? admin.updates : user.updates;
      };
      // The gateway reopens its upstream listen for a new URI: touch until the update comes through.
      await expect.poll(touch(SECRET_URI), POLL).toContain(SECRET_URI);
      // The user's stream hears its own URI after the secret ones were relayed: had one reached it, it came first.
      await expect.poll(touch(PUBLIC_URI), POLL).toContain(PUBLIC_URI);
      expect(new Set(user.updates)).toEqual(new Set([PUBLIC_URI]));
    } finally {
      await close();
    }
  });

  it('in front of a 2025-only upstream (the gateway subscribes on its 2025 session)', async () => {
    const GREETING = 'fixture://greeting';
    const OTHER = 'fixture://other';
    const older: HttpUpstreamFixture = await startHttpUpstream();
    const { gateway, close } = await guardedGateway(older.url, {
      apiKeys: KEYS,
      resources: { [OTHER]: { scopes: ['admin'] } },
    });
    try {
      const refused = await post(
        gateway.url as URL,
        'subscriptions/listen',
        { notifications: { resourceSubscriptions: [OTHER] } },
        { 'x-api-key': USER_KEY },
      );
      expect(refused.error?.message).toContain(`Resource ${OTHER} not found`);
      const user = await listening(gateway.url as URL, USER_KEY, [GREETING]);
      const admin = await listening(gateway.url as URL, ADMIN_KEY, [OTHER]);
      opened.push(user.client, admin.client);
      const subscribed = async (): Promise<string[]> =>
        (
          JSON.parse(text(await admin.client.callTool({ name: 'subscriptions', arguments: {} }))) as string[]
        ).sort();
      await expect.poll(subscribed, POLL).toEqual([GREETING, OTHER]);
      await admin.client.callTool({ name: 'touch', arguments: { uri: OTHER } });
      await expect.poll(() => admin.updates, POLL).toEqual([OTHER]);
      await admin.client.callTool({ name: 'touch', arguments: { uri: GREETING } });
      await expect.poll(() => user.updates, POLL).toEqual([GREETING]);
      expect(admin.updates).toEqual([OTHER]);
    } finally {
      await close();
      await older.kill();
    }
  });
});
