// Tasks (2025-11-25, experimental) through the gateway: a task-augmented tools/call passes the pipeline and
// comes back as the upstream's CreateTaskResult; tasks/get, tasks/result, tasks/list and tasks/cancel reach
// the connection that created the task, for the session that created it only; status notifications reach
// that session only. Over an HTTP upstream (an upstream session per client) and over a stdio upstream (one
// connection shared by every client, where only the gateway keeps one client from another's tasks).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ErrorCode,
  TaskStatusNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cache } from '@mcp-middleware/cache';
import { createGateway, type Gateway, type UpstreamSpec } from '@mcp-middleware/cli';
import { MiddlewareError, type Middleware } from '@mcp-middleware/core';
import { stdioFixture } from './fixtures/stdio-fixture.js';
import { startHttpUpstream } from './fixtures/upstream-http.js';
import { createTaskServer, echoed } from './fixtures/upstream-tasks.js';

const STDIO = stdioFixture('upstream-tasks.ts');

/** A client of the gateway (or of the bare upstream) and the task statuses it was sent. */
interface Peer {
  readonly client: Client;
  readonly statuses: string[];
}

async function peer(transport: Transport): Promise<Peer> {
  const client = new Client({ name: 'tasks-test', version: '1.0.0' });
  const found: Peer = { client, statuses: [] };
  client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
    found.statuses.push(`${n.params.taskId} ${n.params.status}`);
  });
  await client.connect(transport);
  await client.listTools();
  return found;
}

/** Calls `name` as a task and follows it to its end: the task id and the final result. */
async function runTask(p: Peer, text: string): Promise<{ taskId: string; result: CallToolResult }> {
  let taskId: string | undefined;
  const stream = p.client.experimental.tasks.callToolStream(
    { name: 'echo-task', arguments: { text } },
    CallToolResultSchema,
    { task: { ttl: 60_000 } },
  );
  for await (const message of stream) {
    if (message.type === 'taskCreated') taskId = message.task.taskId;
    if (message.type === 'error') throw message.error;
    if (message.type === 'result') return { taskId: taskId ?? 'none', result: message.result };
  }
  throw new Error('the stream ended without a result');
}

/** A round trip on `p`'s session, so what the gateway sent it before has arrived. */
const settle = (p: Peer): Promise<unknown> => p.client.ping();

interface Upstream {
  readonly spec: UpstreamSpec;
  bare(): Transport;
  stop(): Promise<void>;
}

const modes: readonly (readonly [string, () => Promise<Upstream>])[] = [
  [
    'an HTTP upstream',
    async () => {
      const store = new InMemoryTaskStore();
      const upstream = await startHttpUpstream(() => createTaskServer(store));
      return {
        spec: { url: upstream.url },
        bare: () => new StreamableHTTPClientTransport(upstream.url),
        stop: async () => {
          store.cleanup();
          await upstream.kill();
        },
      };
    },
  ],
  [
    'a stdio upstream',
    () =>
      Promise.resolve({
        spec: STDIO,
        bare: () => new StdioClientTransport(STDIO),
        stop: () => Promise.resolve(),
      }),
  ],
];

describe.each(modes)('tasks through the gateway in front of %s', (_mode, startUpstream) => {
  let upstream: Upstream;
  let gateway: Gateway;
  let a: Peer;
  let b: Peer;
  let bare: Peer;
  const seen: string[] = [];
  // Sees every call; refuses the text "refuse", as an auth or limit layer would.
  const counting: Middleware = (ctx, next) => {
    seen.push(ctx.tool.name);
    if (ctx.args?.text === 'refuse') throw new MiddlewareError('FORBIDDEN', 'not for you');
    return next(ctx);
  };

  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await createGateway({
      upstream: upstream.spec,
      listen: 'http://127.0.0.1:0/mcp',
      pipeline: [counting, cache({ cacheable: '*' })],
    });
    a = await peer(new StreamableHTTPClientTransport(gateway.url as URL));
    b = await peer(new StreamableHTTPClientTransport(gateway.url as URL));
    bare = await peer(upstream.bare());
  });

  afterAll(async () => {
    await Promise.all([a.client.close(), b.client.close(), bare.client.close()]);
    await gateway.close();
    await upstream.stop();
  });

  it('declares tasks to its clients exactly as the upstream declared them', () => {
    expect(a.client.getServerCapabilities()?.tasks).toEqual(bare.client.getServerCapabilities()?.tasks);
    expect(a.client.getServerCapabilities()?.tasks?.requests?.tools?.call).toEqual({});
  });

  it('completes a task through the gateway with the result the bare upstream gives, after the pipeline ran', async () => {
    const through = await runTask(a, 'hello');
    const direct = await runTask(bare, 'hello');
    // Each result names its own task in _meta; all else is the same.
    const related = 'io.modelcontextprotocol/related-task';
    expect(direct.result._meta?.[related]).toEqual({ taskId: direct.taskId });
    expect(through.result).toEqual({ ...direct.result, _meta: { [related]: { taskId: through.taskId } } });
    expect(through.result).toMatchObject(echoed('hello'));
    expect(seen).toContain('echo-task');
  });

  it('creates a new task for every identical call, even with a cache that takes every tool', async () => {
    const first = await runTask(a, 'same');
    const second = await runTask(a, 'same');
    expect(second.taskId).not.toBe(first.taskId);
    expect(second.result).toMatchObject(echoed('same'));
  });

  it('answers a task-augmented call the pipeline refused with a JSON-RPC error carrying the refusal', async () => {
    const call = a.client.request(
      { method: 'tools/call', params: { name: 'echo-task', arguments: { text: 'refuse' }, task: {} } },
      CreateTaskResultSchema,
    );
    await expect(call).rejects.toMatchObject({
      code: ErrorCode.InternalError,
      message: expect.stringContaining('not for you') as unknown,
      data: { result: { isError: true } },
    });
  });

  it('refuses tasks/get, tasks/result and tasks/cancel on a task another session created, naming it', async () => {
    const { taskId } = await runTask(a, 'mine');
    const tasks = b.client.experimental.tasks;
    for (const attempt of [
      () => tasks.getTask(taskId),
      () => tasks.getTaskResult(taskId, CallToolResultSchema),
      () => tasks.cancelTask(taskId),
    ]) {
      await expect(attempt()).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
        message: expect.stringContaining(taskId) as unknown,
      });
    }
    // The owner still reads it.
    expect((await a.client.experimental.tasks.getTask(taskId)).status).toBe('completed');
  });

  it('lists to each session only the tasks it created', async () => {
    const mine = await runTask(a, 'listed');
    const theirs = await runTask(b, 'listed');
    const listedA = (await a.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
    const listedB = (await b.client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
    expect(listedA).toContain(mine.taskId);
    expect(listedA).not.toContain(theirs.taskId);
    expect(listedB).toContain(theirs.taskId);
    expect(listedB).not.toContain(mine.taskId);
  });

  it('cancels a working task for its owner, and sends its status notifications to its owner only', async () => {
    const created = await a.client.request(
      { method: 'tools/call', params: { name: 'hold-task', arguments: {}, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    expect(created.task.status).toBe('working');
    const cancelled = await a.client.experimental.tasks.cancelTask(taskId);
    expect(cancelled.status).toBe('cancelled');
    await Promise.all([settle(a), settle(b)]);
    const completedEarlier = a.statuses.filter((s) => s.endsWith(' completed'));
    expect(completedEarlier.length).toBeGreaterThan(0);
    const ownIds = new Set(a.statuses.map((s) => s.split(' ')[0]));
    expect(b.statuses.some((s) => ownIds.has(s.split(' ')[0]))).toBe(false);
  });
});
