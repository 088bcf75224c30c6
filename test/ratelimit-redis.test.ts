// rateLimit() on redisStore against real Redis: one limit shared by four processes, and a private
// redis-server that is paused, killed mid-run and restarted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_META_KEY, EventChannel, withMiddleware, type MiddlewareEvent } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { rateLimit, redisStore, type RateLimitOptions } from '@mcp-middleware/ratelimit';
import { REDIS_URL, dropKeysAndQuit, testRedis } from './fixtures/test-redis.js';

const RUN = `mcp-middleware:test:ratelimit:${process.pid}:${Date.now()}`;
const WORKER = fileURLToPath(new URL('./fixtures/ratelimit-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A real server whose `search` tool sits behind `options`; calls resolve to tool results. */
async function replica(options: RateLimitOptions) {
  const events: MiddlewareEvent[] = [];
  const channel = new EventChannel();
  channel.subscribe((event) => events.push(event));
  const server = new McpServer({ name: 'replica', version: '1.0.0' });
  withMiddleware(server, [rateLimit(options)], { events: channel });
  server.registerTool('search', { inputSchema: { q: z.string() } }, ({ q }) => ({
    content: [{ type: 'text', text: q }],
  }));
  const { client, close } = await connectInMemory(server);
  const call = (q = 'x') => client.callTool({ name: 'search', arguments: { q } }) as Promise<CallToolResult>;
  return { call, close, events };
}

const codeOf = (result: CallToolResult) =>
  (result._meta?.[ERROR_META_KEY] as { code?: string } | undefined)?.code ?? 'ok';

describe('a Redis-backed limit shared by four processes', () => {
  const shared = testRedis();
  const prefix = `${RUN}:replicas`;
  afterAll(() => dropKeysAndQuit(shared, prefix));

  interface Tally {
    readonly admitted: number;
    readonly limited: number;
    readonly other: number;
  }

  function startWorker(): { child: ChildProcess; ready: Promise<void>; tally: Promise<Tally> } {
    const child = spawn(
      process.execPath,
      ['--conditions=@mcp-middleware/source', '--import', 'tsx', WORKER],
      {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL, PREFIX: prefix, LIMIT: '37', CALLS: '60', CONCURRENCY: '8' },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let out = '';
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const tally = new Promise<Tally>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready\n')) markReady();
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        const last = out.trim().split('\n').at(-1) ?? '';
        if (code === 0) resolve(JSON.parse(last) as Tally);
        else reject(new Error(`worker exited with ${code}: ${out}`));
      });
    });
    return { child, ready, tally };
  }

  // Four Node processes start tsx and the SDK at once: seconds on an idle machine, more on a busy one.
  it('admits exactly limit calls per window between them', { timeout: 60_000 }, async () => {
    const workers = Array.from({ length: 4 }, startWorker);
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin?.end('go\n');
    const tallies = await Promise.all(workers.map((w) => w.tally));
    const total = tallies.reduce(
      (sum, t) => ({
        admitted: sum.admitted + t.admitted,
        limited: sum.limited + t.limited,
        other: sum.other + t.other,
      }),
      { admitted: 0, limited: 0, other: 0 },
    );
    expect(total).toEqual({ admitted: 37, limited: 240 - 37, other: 0 });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(200);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function poll(condition: () => Promise<boolean>, what: string, limitMs = 5000): Promise<void> {
  const giveUpAt = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A redis-server of this test's own, on a free port, with no persistence. */
async function privateRedis() {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await poll(() => answersPing(port), 'redis-server to start');
  };
  const kill = async (): Promise<void> => {
    const dying = child;
    if (dying === undefined || dying.exitCode !== null) return;
    const exited = new Promise((resolve) => dying.once('exit', resolve));
    dying.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, kill };
}

describe('when the private Redis fails', () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let client: Redis;
  let admin: Redis;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const prefix = `${RUN}:outage`;
  type Replica = Awaited<ReturnType<typeof replica>>;
  let fallback: Replica;
  let open: Replica;
  let closed: Replica;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    redis = await privateRedis();
    // Reconnect quickly, as a production client should, so service resumes soon after Redis returns.
    client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    admin.on('error', () => undefined);
    await Promise.all([client.ping(), admin.ping()]);
    const store = redisStore({ client, prefix, timeoutMs: 200 });
    fallback = await replica({ limit: 3, keyBy: 'global', store, name: 'fallback' });
    open = await replica({ limit: 1, keyBy: 'global', store, name: 'open', onStoreError: 'fail-open' });
    closed = await replica({ limit: 5, keyBy: 'global', store, name: 'closed', onStoreError: 'fail-closed' });
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await Promise.all([fallback.close(), open.close(), closed.close()]);
    client.disconnect();
    admin.disconnect();
    await redis.kill();
  });

  it('counts calls made while the client is still making its first connection', async () => {
    const starting = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const early = await replica({
      limit: 5,
      keyBy: 'global',
      store: redisStore({ client: starting, prefix }),
      name: 'early',
      onStoreError: 'fail-closed',
    });
    const result = await early.call();
    await early.close();
    await starting.quit();
    expect(codeOf(result)).toBe('ok');
    expect(await admin.get(`${prefix}:early:g`)).toBe('1');
  });

  it('counts a call in Redis while Redis is up', async () => {
    const result = await closed.call();
    expect(codeOf(result)).toBe('ok');
    expect(await admin.get(`${prefix}:closed:g`)).toBe('1');
  });

  it('treats a Redis that stops answering as a store failure after timeoutMs', async () => {
    await admin.call('CLIENT', 'PAUSE', '600', 'ALL');
    const result = await fallback.call();
    expect(codeOf(result)).toBe('ok');
    expect(fallback.events).toContainEqual(
      expect.objectContaining({
        type: 'warning',
        message: expect.stringContaining('did not answer within 200 ms') as string,
      }),
    );
    await poll(async () => (await admin.ping()) === 'PONG', 'Redis to unpause');
  });

  describe('after Redis is killed mid-run', () => {
    let inFlight: CallToolResult[];

    beforeAll(async () => {
      await admin.del(`${prefix}:fallback:g`);
      const running = Array.from({ length: 20 }, (_, i) => fallback.call(String(i)));
      await redis.kill();
      inFlight = await Promise.all(running);
      await poll(() => Promise.resolve(client.status !== 'ready'), 'the client to notice');
    });

    it('answers every call that was in flight with a tool result', () => {
      expect(inFlight.map(codeOf).every((code) => code === 'ok' || code === 'RATE_LIMITED')).toBe(true);
    });

    it('keeps limiting in this process with "memory-fallback"', async () => {
      const fresh = await replica({
        limit: 3,
        keyBy: 'global',
        store: redisStore({ client, prefix }),
        name: 'fresh',
      });
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) codes.push(codeOf(await fresh.call()));
      await fresh.close();
      expect(codes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    });

    it('emits a warning event that the store failed', async () => {
      const fresh = await replica({
        limit: 3,
        keyBy: 'global',
        store: redisStore({ client, prefix }),
        name: 'warned',
      });
      await fresh.call();
      await fresh.close();
      expect(fresh.events).toEqual([
        {
          type: 'warning',
          source: 'rateLimit',
          message:
            'rate limit store "redis" failed: Redis is not connected (client status "reconnecting"); counting in this process until it answers',
          cause: expect.any(Error) as Error,
        },
      ]);
    });

    it('admits every call with "fail-open"', async () => {
      const codes = [await open.call(), await open.call(), await open.call()].map(codeOf);
      expect(codes).toEqual(['ok', 'ok', 'ok']);
    });

    it('rejects every call with "fail-closed"', async () => {
      const result = await closed.call();
      expect(result._meta?.[ERROR_META_KEY]).toMatchObject({
        code: 'RATE_LIMITED',
        retryAfterMs: 1000,
        data: { reason: 'store-unavailable' },
      });
    });

    it('raises no unhandled rejection', () => {
      expect(unhandled).toEqual([]);
    });

    it('counts in Redis again soon after Redis returns', async () => {
      await redis.start();
      // Redis restarts empty: a call counted there leaves the key behind.
      await poll(async () => {
        const result = await closed.call();
        return codeOf(result) === 'ok' && (await admin.get(`${prefix}:closed:g`)) !== null;
      }, 'service through Redis to resume');
      expect(client.status).toBe('ready');
    });
  });
});
