// cache() against a real McpServer and Client over InMemoryTransport, with the memory store and real Redis.
import { createServer, type AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  EventChannel,
  compose,
  withMiddleware,
  type AuthInfo,
  type Middleware,
  type RunnerOptions,
} from '@mcp-middleware/core';
import { connectInMemory, manualClock, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { auth } from '@mcp-middleware/auth';
import { CACHE_META_KEY, cache, redisStore, type CacheStore } from '@mcp-middleware/cache';
import { dropKeysAndQuit, testRedis } from './fixtures/test-redis.js';

const PREFIX = `mcp-middleware-test:cache-it:${process.pid}:${Date.now()}:`;
let redis: Redis;
let prefixes = 0;

beforeAll(() => {
  redis = testRedis();
});

afterAll(() => dropKeysAndQuit(redis, PREFIX));

const connections: InMemoryConnection[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
});

type StoreKind = 'memory' | 'redis';
const stores: StoreKind[] = ['memory', 'redis'];

/** A fresh store of `kind`; Redis stores of one test share a prefix when `prefix` is given. */
function storeOf(kind: StoreKind, prefix = `${PREFIX}${++prefixes}:`): CacheStore | undefined {
  return kind === 'memory' ? undefined : redisStore({ client: redis, prefix });
}

const text = (result: unknown): string => ((result as CallToolResult).content[0] as { text: string }).text;
const hitOf = (result: unknown): { hit: true; ageMs: number } | undefined =>
  (result as CallToolResult)._meta?.[CACHE_META_KEY] as { hit: true; ageMs: number } | undefined;

interface Replica {
  readonly calls: { principal: string; signal: AbortSignal }[];
  readonly connection: InMemoryConnection;
  release(): void;
}

const authOf = (clientId: string | undefined): AuthInfo | undefined =>
  clientId === undefined ? undefined : { token: `token-of-${clientId}`, clientId, scopes: [] };
let who: AuthInfo | undefined;
const as = (clientId: string | undefined): void => {
  who = authOf(clientId);
};

interface ReplicaOptions {
  readonly runner?: RunnerOptions;
  /** The tool waits for `release()`. */
  readonly gated?: boolean;
  /** Every call of this client carries this principal; by default, the one `as()` set last. */
  readonly principal?: string | undefined;
}

/**
 * A server with a read-only `lookup` tool answering `<principal>|<topic>|<page>` (and a `weather` tool with
 * an output schema) wrapped in `middleware`, and a connected client.
 */
async function replica(middleware: Middleware, options: ReplicaOptions = {}): Promise<Replica> {
  const { runner = {}, gated = false } = options;
  const server = new McpServer({ name: 'cache-it', version: '1.0.0' });
  withMiddleware(server, [middleware], { debug: false, ...runner });
  const calls: Replica['calls'] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  server.registerTool(
    'lookup',
    {
      inputSchema: { topic: z.string(), page: z.number().int().optional() },
      annotations: { readOnlyHint: true },
    },
    async ({ topic, page }, extra) => {
      const principal = extra.authInfo?.clientId ?? 'anonymous';
      calls.push({ principal, signal: extra.signal });
      if (gated) await gate;
      return { content: [{ type: 'text', text: `${principal}|${topic}|${page ?? '-'}` }] };
    },
  );
  server.registerTool(
    'weather',
    {
      inputSchema: { city: z.string() },
      outputSchema: { city: z.string(), celsius: z.number() },
      annotations: { readOnlyHint: true },
    },
    ({ city }, extra) => {
      calls.push({ principal: extra.authInfo?.clientId ?? 'anonymous', signal: extra.signal });
      const structuredContent = { city, celsius: 21 };
      return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
    },
  );
  const fixed = 'principal' in options ? authOf(options.principal) : undefined;
  const connection = await connectInMemory(server, {
    authInfo: 'principal' in options ? () => fixed : () => who,
  });
  connections.push(connection);
  return { calls, connection, release: open };
}

/** A small deterministic generator (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(stores)('cache() on a real McpServer, %s store', (kind) => {
  it('serves the second identical call from the cache, marked in _meta the client receives', async () => {
    as('alice');
    const { calls, connection } = await replica(cache({ store: storeOf(kind) }));
    const args = { name: 'lookup', arguments: { topic: 'otters' } };
    const first = await connection.client.callTool(args);
    const second = await connection.client.callTool(args);
    expect(calls).toHaveLength(1);
    expect(text(second)).toBe(text(first));
    expect(hitOf(first)).toBeUndefined();
    expect(hitOf(second)).toMatchObject({ hit: true });
  });

  it('serves a hit of a tool with an output schema that the client validates', async () => {
    as('alice');
    const { calls, connection } = await replica(cache({ store: storeOf(kind) }));
    const args = { name: 'weather', arguments: { city: 'Oslo' } };
    await connection.client.callTool(args);
    const hit = await connection.client.callTool(args);
    expect(hit.structuredContent).toEqual({ city: 'Oslo', celsius: 21 });
    expect(calls).toHaveLength(1);
  });

  it('runs the tool once for 1000 concurrent identical misses', async () => {
    as('alice');
    const events = new EventChannel();
    let waiting = 0;
    const { calls, connection, release } = await replica(cache({ store: storeOf(kind) }), {
      runner: { events },
      gated: true,
    });
    // Open the tool only when all 1000 calls have reached the cache, so every one of them is a miss.
    events.subscribe((event) => {
      if (event.type === 'cache' && ++waiting === 1000) release();
    });
    const args = { name: 'lookup', arguments: { topic: 'thundering herd' } };
    const results = await Promise.all(Array.from({ length: 1000 }, () => connection.client.callTool(args)));
    expect(calls).toHaveLength(1);
    expect(new Set(results.map(text))).toEqual(new Set(['alice|thundering herd|-']));
  });

  it('never serves a result to another principal: 10 000 random (principal, args) pairs', async () => {
    const prefix = `${PREFIX}${++prefixes}:`;
    // Memory: one cache behind every connection. Redis: two replicas (cache instances) share the store,
    // so entries one writes are read by the other.
    const shared = cache({ store: storeOf(kind, prefix) });
    const caches = kind === 'memory' ? [shared] : [shared, cache({ store: storeOf(kind, prefix) })];
    const principals = [undefined, 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
    // One client per (principal, replica): its authInfo never changes, so calls can run concurrently.
    const clients = new Map<string | undefined, Replica[]>();
    for (const principal of principals) {
      clients.set(principal, await Promise.all(caches.map((c) => replica(c, { principal }))));
    }
    const topics = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
    const next = random(4);
    const pairs = Array.from({ length: 10_000 }, () => ({
      principal: principals[Math.floor(next() * principals.length)],
      topic: topics[Math.floor(next() * topics.length)] as string,
      page: next() < 0.5 ? undefined : Math.floor(next() * 3),
      replica: Math.floor(next() * caches.length),
    }));
    let hits = 0;
    let crossed = 0;
    let cursor = 0;
    const worker = async (): Promise<void> => {
      while (cursor < pairs.length) {
        const { principal, topic, page, replica: r } = pairs[cursor++] as (typeof pairs)[number];
        const { client } = (clients.get(principal)?.[r] as Replica).connection;
        const result = await client.callTool({
          name: 'lookup',
          arguments: page === undefined ? { topic } : { topic, page },
        });
        if (hitOf(result) !== undefined) hits++;
        if (text(result) !== `${principal ?? 'anonymous'}|${topic}|${page ?? '-'}`) crossed++;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(crossed).toBe(0);
    // The pairs repeat (9 principals × 12 topics × 4 pages), so most calls were hits: the check had teeth.
    expect(hits).toBeGreaterThan(5000);
  });

  it('keeps the anonymous partition apart from a client authenticated with any id', async () => {
    const { calls, connection } = await replica(cache({ store: storeOf(kind) }));
    const args = { name: 'lookup', arguments: { topic: 'x' } };
    as(undefined);
    await connection.client.callTool(args);
    as('anonymous');
    const authenticated = await connection.client.callTool(args);
    expect(hitOf(authenticated)).toBeUndefined();
    expect(calls.map((c) => c.principal)).toEqual(['anonymous', 'anonymous']);
  });

  it('expires entries after ttlMs by the pipeline’s manual clock, without sleeping', async () => {
    as('alice');
    const clock = manualClock();
    const { calls, connection } = await replica(cache({ ttlMs: 60_000, store: storeOf(kind) }), {
      runner: { clock },
    });
    const args = { name: 'lookup', arguments: { topic: 'ttl' } };
    await connection.client.callTool(args);
    await clock.advance(59_999);
    expect(hitOf(await connection.client.callTool(args))).toEqual({ hit: true, ageMs: 59_999 });
    await clock.advance(1);
    expect(hitOf(await connection.client.callTool(args))).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('answers other callers when one client cancels its call to the same tool and args', async () => {
    as('alice');
    const events = new EventChannel();
    let seen = 0;
    let bothWaiting!: () => void;
    const waiting = new Promise<void>((resolve) => {
      bothWaiting = resolve;
    });
    events.subscribe((event) => {
      if (event.type === 'cache' && ++seen === 2) bothWaiting();
    });
    // Records each call's own signal, as the server sees it, ahead of the cache.
    const signals: AbortSignal[] = [];
    const spy: Middleware = (ctx, next) => {
      signals.push(ctx.signal);
      return next(ctx);
    };
    const { calls, connection, release } = await replica(compose([spy, cache({ store: storeOf(kind) })]), {
      runner: { events },
      gated: true,
    });
    const args = { name: 'lookup', arguments: { topic: 'cancel' } };
    const quitter = new AbortController();
    const cancelled = connection.client.callTool(args, undefined, { signal: quitter.signal });
    const kept = connection.client.callTool(args);
    // Cancel only once both calls wait on the same run (with Redis, each first reads the store).
    await waiting;
    quitter.abort();
    await expect(cancelled).rejects.toThrow();
    // The cancellation reaches the server while the run is still in progress.
    while (signals[0]?.aborted !== true) await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(text(await kept)).toBe('alice|cancel|-');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signal.aborted).toBe(false);
  });

  it('drops entries with invalidate({ principal }) and keeps the other principals’ entries', async () => {
    const middleware = cache({ store: storeOf(kind) });
    const server = withMiddleware(new McpServer({ name: 'cache-it', version: '1.0.0' }), [middleware]);
    let runs = 0;
    server.registerTool(
      'lookup',
      { inputSchema: { topic: z.string() }, annotations: { readOnlyHint: true } },
      () => {
        runs++;
        return { content: [{ type: 'text', text: `run ${runs}` }] };
      },
    );
    const connection = await connectInMemory(server, { authInfo: () => who });
    connections.push(connection);
    const args = { name: 'lookup', arguments: { topic: 'x' } };
    for (const id of ['alice', 'bob']) {
      as(id);
      await connection.client.callTool(args);
    }
    await middleware.invalidate({ principal: 'client:alice' });
    as('alice');
    expect(hitOf(await connection.client.callTool(args))).toBeUndefined();
    as('bob');
    expect(hitOf(await connection.client.callTool(args))).toMatchObject({ hit: true });
    expect(runs).toBe(3);
  });
});

describe('cache() with scope "shared"', () => {
  it('serves one principal’s result to another only for the tool given the shared scope', async () => {
    const { calls, connection } = await replica(
      cache({ scope: (tool) => (tool.name === 'weather' ? 'shared' : 'principal') }),
    );
    for (const id of ['alice', 'bob']) {
      as(id);
      await connection.client.callTool({ name: 'weather', arguments: { city: 'Oslo' } });
      await connection.client.callTool({ name: 'lookup', arguments: { topic: 'x' } });
    }
    expect(calls.map((c) => c.principal)).toEqual(['alice', 'alice', 'bob']);
  });
});

describe('cache() across replicas on Redis', () => {
  it('serves a result one replica stored to the same principal on another replica', async () => {
    const prefix = `${PREFIX}${++prefixes}:`;
    const a = await replica(cache({ store: storeOf('redis', prefix) }));
    const b = await replica(cache({ store: storeOf('redis', prefix) }));
    as('alice');
    const args = { name: 'lookup', arguments: { topic: 'shared redis' } };
    await a.connection.client.callTool(args);
    const fromB = await b.connection.client.callTool(args);
    expect(hitOf(fromB)).toMatchObject({ hit: true });
    expect(b.calls).toHaveLength(0);
  });
});

describe('cache() when Redis is unreachable', () => {
  it('keeps answering through the tool, with a store-error bypass event per call', async () => {
    // A port nothing listens on, and a client that fails at once instead of queueing commands.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const down = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, retryStrategy: () => null });
    down.on('error', () => undefined);
    const events = new EventChannel();
    const bypasses: string[] = [];
    events.subscribe((event) => {
      if (event.type === 'cache' && event.result === 'bypass') bypasses.push(event.reason ?? '');
    });
    const { calls, connection } = await replica(cache({ store: redisStore({ client: down }) }), {
      runner: { events },
    });
    as('alice');
    const args = { name: 'lookup', arguments: { topic: 'outage' } };
    const results = [await connection.client.callTool(args), await connection.client.callTool(args)];
    down.disconnect();
    expect(results.map(text)).toEqual(['alice|outage|-', 'alice|outage|-']);
    expect(calls).toHaveLength(2);
    expect(bypasses).toEqual(['store-error', 'store-error']);
  });

  it('says so in one warning for many calls, and ioredis prints nothing unhandled', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // No error listener of our own: the store adds one.
    const down = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, retryStrategy: () => null });
    const ended = new Promise((resolve) => down.once('end', resolve));
    try {
      const events = new EventChannel();
      const warnings: string[] = [];
      events.subscribe((event) => {
        if (event.type === 'warning') warnings.push(event.message);
      });
      const { calls, connection } = await replica(cache({ store: redisStore({ client: down }) }), {
        runner: { events, clock: manualClock() },
      });
      as('alice');
      for (let i = 0; i < 40; i++) {
        await connection.client.callTool({ name: 'lookup', arguments: { topic: `t${i}` } });
      }
      await ended;
      expect(calls).toHaveLength(40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^cache: the redis store failed to (read|store a result)/);
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
      down.disconnect();
    }
  });
});

describe.each(stores)('cache() on resources/read (%s store)', (kind) => {
  /** A server whose resources count their reads and name the caller; `flaky://x` fails its first read. */
  async function readServer(operations?: ('tools/call' | 'resources/read')[]): Promise<InMemoryConnection> {
    let reads = 0;
    const server = new McpServer({ name: 'cache-reads', version: '1.0.0' });
    const store = storeOf(kind);
    withMiddleware(server, [
      auth(),
      cache({ ...(store !== undefined && { store }), ...(operations !== undefined && { operations }) }),
    ]);
    server.registerResource('readme', 'docs://readme', {}, (uri, extra) => ({
      contents: [{ uri: uri.href, text: `${extra.authInfo?.clientId ?? '?'} read ${++reads}` }],
    }));
    server.registerResource('flaky', 'flaky://x', {}, (uri) => {
      if (++reads === 1) throw new Error('not yet');
      return { contents: [{ uri: uri.href, text: `read ${reads}` }] };
    });
    const connection = await connectInMemory(server, { authInfo: () => who });
    connections.push(connection);
    return connection;
  }

  const readText = async (connection: InMemoryConnection, uri: string): Promise<string> => {
    const result = await connection.client.readResource({ uri });
    const hit = result._meta?.[CACHE_META_KEY] === undefined ? '' : ' (hit)';
    return `${(result.contents[0] as { text: string }).text}${hit}`;
  };

  it('serves a repeated read from the cache, per principal', async () => {
    const connection = await readServer(['tools/call', 'resources/read']);
    const seen: string[] = [];
    for (const caller of ['alice', 'alice', 'bob', 'alice', 'bob']) {
      as(caller);
      seen.push(await readText(connection, 'docs://readme'));
    }
    expect(seen).toEqual([
      'alice read 1',
      'alice read 1 (hit)',
      'bob read 2',
      'alice read 1 (hit)',
      'bob read 2 (hit)',
    ]);
  });

  it('never caches a failed read', async () => {
    const connection = await readServer(['resources/read']);
    as('alice');
    const first = await connection.client.readResource({ uri: 'flaky://x' }).then(
      () => 'ok',
      () => 'failed',
    );
    expect([first, await readText(connection, 'flaky://x'), await readText(connection, 'flaky://x')]).toEqual(
      ['failed', 'read 2', 'read 2 (hit)'],
    );
  });

  it('leaves reads alone unless resources/read is opted in', async () => {
    const connection = await readServer();
    as('alice');
    expect([
      await readText(connection, 'docs://readme'),
      await readText(connection, 'docs://readme'),
    ]).toEqual(['alice read 1', 'alice read 2']);
  });
});
