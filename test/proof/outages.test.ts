// Outages under load: a private Redis killed and restarted mid-run behind rateLimit and cache, and the
// gateway's upstream killed while a call is in flight.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createToolRunner,
  errorDetailOf,
  type CallToolResult,
  type Principal,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { auth } from '@mcp-middleware/auth';
import { cache, redisStore as redisCacheStore } from '@mcp-middleware/cache';
import { createGateway } from '@mcp-middleware/cli';
import { rateLimit, redisStore as redisLimitStore } from '@mcp-middleware/ratelimit';
import { errorCode, startBlock } from '../fixtures/upstream-helpers.js';
import { watchLeaks } from './leaks.js';
import { fullPipeline, Observed } from './pipeline.js';
import { table, writeProofSection } from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIMIT = 5;
const RECOVERY_BUDGET_MS = 1_000;
const POLL_MS = 50;

const rows: [string, string][] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${String(code)}: ${out}`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(() => {
  writeProofSection('outages', ['## Outages', '', table(['outage', 'what held'], rows)].join('\n'));
});

describe('Redis killed and restarted mid-run', () => {
  it('keeps answering, holds the memory-fallback limit during the outage and recovers within a second', async () => {
    const watch = watchLeaks();
    const port = await freePort();
    let redis = await startRedis(port);
    const client = new Redis({
      port,
      host: '127.0.0.1',
      retryStrategy: () => POLL_MS,
      maxRetriesPerRequest: 1,
    });
    client.on('error', () => undefined);
    const probe = new Redis({ port, host: '127.0.0.1', retryStrategy: () => POLL_MS, lazyConnect: true });
    probe.on('error', () => undefined);
    const observed = new Observed();
    const prefix = `proof-${process.pid}`;
    const tool: ToolInfo = { name: 'quote', annotations: { readOnlyHint: true } };
    const runner = createToolRunner(
      [
        auth({
          from: (ctx): Principal => ({
            id: String(ctx.requestId).split(':')[0] ?? '',
            scopes: [],
            roles: [],
            claims: {},
          }),
        }),
        rateLimit({
          limit: LIMIT,
          windowMs: 60_000,
          store: redisLimitStore({ client, prefix: `${prefix}:rl` }),
          onStoreError: 'memory-fallback',
        }),
        cache({ store: redisCacheStore({ client, prefix: `${prefix}:cache` }) }),
      ],
      { events: observed.channel },
    );
    let handled = 0;
    const run = runner.bind(tool, (ctx): CallToolResult => {
      handled++;
      return { content: [{ type: 'text', text: `quote ${JSON.stringify(ctx.args)}` }] };
    });
    let n = 0;
    const call = (principal: string, q: number): Promise<CallToolResult> =>
      run({ q }, {
        signal: new AbortController().signal,
        requestId: `${principal}:${++n}`,
        sendNotification: () => Promise.resolve(),
        sendRequest: () => Promise.reject(new Error('no client')),
      } satisfies ToolExtra);
    const codes = (results: CallToolResult[]): string[] => results.map((r) => errorDetailOf(r)?.code ?? 'ok');

    try {
      // Up: the limit is counted on Redis.
      expect(codes(await Promise.all([1, 2, 3].map((q) => call('before', q))))).toEqual(['ok', 'ok', 'ok']);
      await probe.connect();
      expect((await probe.keys(`${prefix}:rl*`)).length).toBeGreaterThan(0);

      // Down: every call is answered; the policy (count in this process) still admits exactly LIMIT.
      await kill(redis);
      const during = codes(await Promise.all(Array.from({ length: LIMIT + 3 }, (_, q) => call('during', q))));
      expect(during.filter((c) => c === 'ok')).toHaveLength(LIMIT);
      expect(during.filter((c) => c === 'RATE_LIMITED')).toHaveLength(3);
      expect(observed.count('warning')).toBeGreaterThan(0);

      // Back: the first calls after the restart go through Redis again, within a second.
      redis = await startRedis(port);
      const restarted = performance.now();
      let recoveredMs = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt <= RECOVERY_BUDGET_MS / POLL_MS; attempt++) {
        expect(codes([await call('after', attempt)])).toEqual(['ok']);
        if ((await probe.keys(`${prefix}:rl*after*`).catch(() => [])).length > 0) {
          recoveredMs = performance.now() - restarted;
          break;
        }
        await sleep(POLL_MS);
      }
      rows.push(
        [
          'Redis (rateLimit + cache store) killed mid-run, 8 calls during the outage',
          `all answered; exactly ${LIMIT} admitted (memory-fallback), 3 RATE_LIMITED; ${observed.count('warning')} warning events`,
        ],
        [
          'Redis restarted on the same port',
          `calls counted on Redis again after ${Math.round(recoveredMs)} ms (budget ${RECOVERY_BUDGET_MS} ms)`,
        ],
      );
      expect(recoveredMs).toBeLessThanOrEqual(RECOVERY_BUDGET_MS);
      expect(handled).toBeGreaterThan(0);
    } finally {
      client.disconnect();
      probe.disconnect();
      await kill(redis);
    }
    const left = await watch.stop();
    expect(left.unhandled).toEqual([]);
  }, 30_000);
});

describe('the gateway when its upstream dies mid-call', () => {
  it('answers the call in flight with UPSTREAM_ERROR and shuts down cleanly', async () => {
    const watch = watchLeaks();
    const observed = new Observed();
    const anonymous: Principal = { id: 'gateway-client', scopes: [], roles: [], claims: {} };
    const built = fullPipeline(observed, { from: () => anonymous });
    const gateway = await createGateway({
      upstream: {
        command: process.execPath,
        args: ['--import', 'tsx', 'test/fixtures/upstream-server.ts'],
        cwd: ROOT,
      },
      pipeline: built.pipeline,
      runner: { events: observed.channel },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await gateway.connect(serverSide);
    const client = new Client({ name: 'proof', version: '1.0.0' });
    await client.connect(clientSide);
    const { result, pid } = startBlock(client);
    process.kill(await pid, 'SIGKILL');
    const answered = (await result) as CallToolResult;
    expect(errorCode(answered)).toBe('UPSTREAM_ERROR');
    await expect(gateway.closed).resolves.toMatchObject({ reason: 'upstream-lost' });
    await client.close();
    built.close();
    await observed.close();
    const left = await watch.stop();
    expect(left.unhandled).toEqual([]);
    expect(observed.spans().filter((s) => s.name === 'tools/call block')).toHaveLength(1);
    rows.push([
      'gateway upstream (stdio) killed with SIGKILL while a call waited in it',
      'the call in flight answered UPSTREAM_ERROR; gateway closed with `upstream-lost` (no restart configured)',
    ]);
  }, 60_000);
});
