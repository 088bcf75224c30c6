// Safe writes end to end (issue 18): idempotency keys, approval before destructive tools, and caches that
// see writes, with real McpServers and Clients, real Redis, and server-memory behind the gateway.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approval } from '@mcp-middleware/approval';
import { cache, redisStore as cacheRedisStore } from '@mcp-middleware/cache';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { createPipeline, loadConfig } from '@mcp-middleware/config';
import { withMiddleware, type Middleware } from '@mcp-middleware/core';
import {
  IDEMPOTENCY_KEY_META,
  IDEMPOTENCY_META_KEY,
  idempotency,
  redisStore,
} from '@mcp-middleware/idempotency';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ElicitRequestSchema,
  type CallToolResult,
  type ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dropKeysAndQuit, testRedis } from './fixtures/test-redis.js';
import { errorCode, text } from './fixtures/upstream-helpers.js';

const PREFIX = `mcp-middleware-test:safe-writes:${process.pid}:${Date.now()}:`;

/** A server with one write (`create_invoice`), one destructive tool and one read, counting runs. */
function invoiceServer(pipeline: Middleware[] | ((server: McpServer) => Middleware[])) {
  const runs = { create: 0, delete: 0 };
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const server = new McpServer({ name: 'invoices', version: '1.0.0' });
  server.registerTool(
    'create_invoice',
    { inputSchema: { amount: z.number() }, annotations: { readOnlyHint: false } },
    async ({ amount }) => {
      runs.create++;
      await gate;
      return { content: [{ type: 'text', text: `invoice ${runs.create} for ${amount}` }] };
    },
  );
  server.registerTool(
    'delete_invoice',
    { inputSchema: { id: z.string() }, annotations: { destructiveHint: true } },
    ({ id }) => {
      runs.delete++;
      return { content: [{ type: 'text', text: `deleted ${id}` }] };
    },
  );
  withMiddleware(server, typeof pipeline === 'function' ? pipeline(server) : pipeline);
  return {
    server,
    runs,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

/** A client connected in memory, optionally declaring elicitation and answering it with `answer`. */
async function connect(server: McpServer, answer?: () => ElicitResult): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client(
    { name: 'safe-writes-test', version: '1.0.0' },
    answer === undefined ? {} : { capabilities: { elicitation: { form: {} } } },
  );
  if (answer !== undefined) client.setRequestHandler(ElicitRequestSchema, () => answer());
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return client;
}

const withKey = (key: string, amount = 10) => ({
  name: 'create_invoice',
  arguments: { amount },
  _meta: { [IDEMPOTENCY_KEY_META]: key },
});
const replayed = (result: unknown): unknown => (result as CallToolResult)._meta?.[IDEMPOTENCY_META_KEY];

describe('idempotency with a real McpServer and Client', () => {
  it('runs the same write sent twice with one key once, and both callers get its result', async () => {
    const s = invoiceServer([idempotency()]);
    const client = await connect(s.server);
    const first = await client.callTool(withKey('order-1'));
    const second = await client.callTool(withKey('order-1'));
    expect(s.runs.create).toBe(1);
    expect(text(second)).toBe(text(first));
    expect(replayed(second)).toMatchObject({ replayed: true });
    await client.close();
  });

  it('runs the same write sent twice concurrently once', async () => {
    const s = invoiceServer([idempotency()]);
    const client = await connect(s.server);
    s.hold();
    const calls = [client.callTool(withKey('order-2')), client.callTool(withKey('order-2'))];
    await new Promise((resolve) => setImmediate(resolve));
    s.release();
    const [a, b] = await Promise.all(calls);
    expect(s.runs.create).toBe(1);
    expect(text(a)).toBe(text(b));
    await client.close();
  });

  it('refuses the same key with other arguments, without running or answering the first result', async () => {
    const s = invoiceServer([idempotency()]);
    const client = await connect(s.server);
    await client.callTool(withKey('order-3', 10));
    const other = await client.callTool(withKey('order-3', 99));
    expect(other.isError).toBe(true);
    expect(errorCode(other)).toBe('INVALID_ARGUMENTS');
    expect(text(other)).not.toContain('invoice 1');
    expect(s.runs.create).toBe(1);
    await client.close();
  });
});

describe('idempotency across two server instances sharing Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(() => dropKeysAndQuit(redis, PREFIX));

  const replica = () =>
    invoiceServer([
      idempotency({ store: redisStore({ client: redis, prefix: `${PREFIX}idem:` }), pollMs: 5 }),
    ]);

  it('runs a write sent to both replicas one after the other once', async () => {
    const [one, two] = [replica(), replica()];
    const [a, b] = [await connect(one.server), await connect(two.server)];
    const first = await a.callTool(withKey('seq'));
    const second = await b.callTool(withKey('seq'));
    expect(one.runs.create + two.runs.create).toBe(1);
    expect(text(second)).toBe(text(first));
    await Promise.all([a.close(), b.close()]);
  });

  it('runs a write sent to both replicas at once once, and both callers get its result', async () => {
    const [one, two] = [replica(), replica()];
    const [a, b] = [await connect(one.server), await connect(two.server)];
    one.hold();
    two.hold();
    const calls = [a.callTool(withKey('concurrent')), b.callTool(withKey('concurrent'))];
    while (one.runs.create + two.runs.create === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    one.release();
    two.release();
    const [x, y] = await Promise.all(calls);
    expect(one.runs.create + two.runs.create).toBe(1);
    expect(text(x)).toBe(text(y));
    await Promise.all([a.close(), b.close()]);
  });
});

describe('idempotency when Redis is down', () => {
  it('refuses the write with a retryable error and never runs it (fail closed)', async () => {
    // Nothing listens on port 1: every command fails at once, as in an outage.
    const down = new Redis({
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    const s = invoiceServer([idempotency({ store: redisStore({ client: down, prefix: `${PREFIX}down:` }) })]);
    const client = await connect(s.server);
    const result = await client.callTool(withKey('during-outage'));
    expect(errorCode(result)).toBe('INTERNAL');
    expect(s.runs.create).toBe(0);
    await client.close();
    down.disconnect();
  });
});

describe('a cache on Redis shared by two replicas', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(() => dropKeysAndQuit(redis, `${PREFIX}cache:`));

  it('serves the fresh state on one replica after a write through the other', async () => {
    const state = { notes: 0 };
    const replica = () => {
      const server = new McpServer({ name: 'notes', version: '1.0.0' });
      server.registerTool('count_notes', { annotations: { readOnlyHint: true } }, () => ({
        content: [{ type: 'text', text: `${state.notes} notes` }],
      }));
      server.registerTool('add_note', { annotations: { readOnlyHint: false } }, () => {
        state.notes++;
        return { content: [{ type: 'text', text: 'added' }] };
      });
      withMiddleware(server, [
        cache({ store: cacheRedisStore({ client: redis, prefix: `${PREFIX}cache:` }) }),
      ]);
      return server;
    };
    const [a, b] = [await connect(replica()), await connect(replica())];
    const count = async (client: Client) =>
      text(await client.callTool({ name: 'count_notes', arguments: {} }));
    expect(await count(a)).toBe('0 notes');
    expect(await count(b)).toBe('0 notes'); // a hit: the entry replica a stored
    await b.callTool({ name: 'add_note', arguments: {} });
    expect(await count(a)).toBe('1 notes');
    await Promise.all([a.close(), b.close()]);
  });
});

describe('approval with a real McpServer and Client (2025-11-25, elicitation)', () => {
  async function attempt(answer?: () => ElicitResult) {
    const s = invoiceServer((server) => [approval({ server })]);
    const client = await connect(s.server, answer);
    const result = await client.callTool({ name: 'delete_invoice', arguments: { id: 'inv-1' } });
    await client.close();
    return { result, runs: s.runs.delete };
  }

  it('runs a destructive tool once the human accepts', async () => {
    const { result, runs } = await attempt(() => ({ action: 'accept', content: { approve: true } }));
    expect(runs).toBe(1);
    expect(text(result)).toBe('deleted inv-1');
  });

  it('never runs a destructive tool the human declines', async () => {
    const { result, runs } = await attempt(() => ({ action: 'decline' }));
    expect(runs).toBe(0);
    expect(errorCode(result)).toBe('FORBIDDEN');
  });

  it('never runs a destructive tool when the answer has the wrong shape', async () => {
    const { result, runs } = await attempt(() => ({ action: 'accept', content: { approve: 'sure' } }));
    expect(runs).toBe(0);
    expect(errorCode(result)).toBe('FORBIDDEN');
  });

  it('asks a client that can show a form when built as a config file builds it (no server to read capabilities from)', async () => {
    for (const [answer, runs] of [
      [() => ({ action: 'accept', content: { approve: true } }) as ElicitResult, 1],
      [undefined, 0],
    ] as const) {
      const s = invoiceServer(() => [approval()]);
      const client = await connect(s.server, answer);
      const result = await client.callTool({ name: 'delete_invoice', arguments: { id: 'inv-1' } });
      await client.close();
      expect(s.runs.delete).toBe(runs);
      if (runs === 0) expect(errorCode(result)).toBe('FORBIDDEN');
    }
  });

  it('never runs a destructive tool for a client that cannot be asked', async () => {
    const { result, runs } = await attempt();
    expect(runs).toBe(0);
    expect(errorCode(result)).toBe('FORBIDDEN');
    expect(text(result)).toContain('approval');
  });
});

// server-memory (the registry's reference server) behind the gateway, with a config file's pipeline.
describe(
  'a gateway config enabling approval, idempotency and cache for server-memory',
  { timeout: 60_000 },
  () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');
    let dir: string;
    let gateway: Gateway;
    let client: Client;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'safe-writes-'));
      const config = loadConfig({
        pipeline: [{ approval: {} }, { idempotency: {} }, { cache: { ttlMs: 60_000 } }],
      });
      const built = await createPipeline(config);
      gateway = await createGateway({
        upstream: {
          command: process.execPath,
          args: [entry],
          env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
          stderr: 'ignore',
        },
        pipeline: built.middlewares,
      });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await gateway.connect(serverSide);
      client = new Client({ name: 'safe-writes-gateway', version: '1.0.0' });
      await client.connect(clientSide);
    });

    afterAll(async () => {
      await client?.close();
      await gateway?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const graph = async () =>
      JSON.parse(text(await client.callTool({ name: 'read_graph', arguments: {} }))) as {
        entities: { name: string }[];
      };

    it('returns the fresh graph after a write: read_graph, create_entities, read_graph', async () => {
      expect((await graph()).entities).toEqual([]);
      await client.callTool({
        name: 'create_entities',
        arguments: { entities: [{ name: 'alice', entityType: 'person', observations: [] }] },
      });
      expect((await graph()).entities.map((e) => e.name)).toEqual(['alice']);
    });

    it('answers a retried write with one key once', async () => {
      const create = {
        name: 'create_entities',
        arguments: { entities: [{ name: 'bob', entityType: 'person', observations: ['first'] }] },
        _meta: { [IDEMPOTENCY_KEY_META]: 'create-bob' },
      };
      await client.callTool(create);
      const again = await client.callTool(create);
      expect(replayed(again)).toMatchObject({ replayed: true });
      expect((await graph()).entities.filter((e) => e.name === 'bob')).toHaveLength(1);
    });

    it('never runs a destructive tool without approval', async () => {
      const result = await client.callTool({
        name: 'delete_entities',
        arguments: { entityNames: ['alice'] },
      });
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect((await graph()).entities.map((e) => e.name)).toContain('alice');
    });

    it('asks a client that can show a form, through the gateway, and runs the destructive tool on yes', async () => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await gateway.connect(serverSide);
      const asked: string[] = [];
      const human = new Client(
        { name: 'safe-writes-human', version: '1.0.0' },
        { capabilities: { elicitation: { form: {} } } },
      );
      human.setRequestHandler(ElicitRequestSchema, (request) => {
        asked.push(request.params.message);
        return { action: 'accept', content: { approve: true } };
      });
      await human.connect(clientSide);
      const result = await human.callTool({ name: 'delete_entities', arguments: { entityNames: ['alice'] } });
      await human.close();
      expect(errorCode(result)).toBeUndefined();
      expect(asked).toHaveLength(1);
      expect((await graph()).entities.map((e) => e.name)).not.toContain('alice');
    });
  },
);
