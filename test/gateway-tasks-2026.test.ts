// Tasks for 2026-07-28 clients through the gateway (the io.modelcontextprotocol/tasks extension, SEP-2663),
// in front of an SDK v2 upstream that declares it: the declaration is mirrored in server/discover, a
// tools/call's task handle comes back after the pipeline ran (never cached, never joined), and tasks/get,
// tasks/update and tasks/cancel reach the upstream only for the principal that created the task; any other
// id answers as an unknown task without reaching the upstream. In front of a 2025-11-25-only upstream with
// tasks, the same, translated to 2025 experimental tasks on the gateway's connection. The client side is raw 2026-07-28 HTTP: SDK
// v2 2.4's Client rejects a `resultType: "task"` answer (it has no Tasks extension).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '@mcp-middleware/auth';
import { cache } from '@mcp-middleware/cache';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { defineMiddleware } from '@mcp-middleware/core';
import { TASK_METHODS } from '../packages/cli/src/modern-tasks.js';
import { guardedGateway } from './fixtures/guarded-gateway.js';
import { postModern } from './fixtures/modern-client.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';
import { createTaskServer, echoed } from './fixtures/upstream-tasks.js';
import { createTaskUpstream, TASKS_EXTENSION, TaskUpstreamState } from './fixtures/upstream-tasks-2026.js';
import { hostV2, type V2Host } from './proof/conformance-next-runner.js';

const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdefgh' } as const;

type Body = Record<string, unknown>;
interface Answer {
  readonly result?: Body;
  readonly error?: { code: number; message: string; data?: unknown };
}

/** One raw 2026-07-28 request; `tasks` says whether the client declares the Tasks extension. */
async function post(
  url: URL,
  method: string,
  params: Body,
  { key, tasks = true }: { key?: string | undefined; tasks?: boolean } = {},
): Promise<Answer> {
  const name = params['taskId'] ?? params['name'];
  const { body } = await postModern(url, method, params, {
    headers: {
      ...(typeof name === 'string' && { 'mcp-name': name }),
      ...(key !== undefined && { 'x-api-key': key }),
    },
    capabilities: tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {},
  });
  return body;
}

/** Starts a task of `slow` and returns its id (the handle's shape checked). */
async function startTask(url: URL, text: string, key?: string): Promise<string> {
  const { result, error } = await post(url, 'tools/call', { name: 'slow', arguments: { text } }, { key });
  expect(error).toBeUndefined();
  expect(result).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 60_000 });
  return result?.['taskId'] as string;
}

/** Params each task method needs beyond the id. */
const paramsOf = (method: string, taskId: string): Body =>
  method === 'tasks/update' ? { taskId, inputResponses: {} } : { taskId };

let state: TaskUpstreamState;
let upstream: V2Host;

beforeAll(async () => {
  state = new TaskUpstreamState();
  upstream = await hostV2(() => createTaskUpstream(state));
}, 60_000);

afterAll(async () => {
  await upstream?.close();
});

describe('2026-07-28 tasks through a gateway without auth (pipeline: a spy and a cache of every tool)', () => {
  let gateway: Gateway;
  const seen: string[] = [];
  const spy = defineMiddleware('spy', {
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

  beforeAll(async () => {
    gateway = await createGateway({
      upstream: { url: upstream.url.href },
      listen: 'http://127.0.0.1:0/mcp',
      pipeline: [spy, cache({ cacheable: '*' })],
    });
  });

  afterAll(async () => {
    await gateway?.close({ drainTimeoutMs: 0 });
  });

  it('declares the Tasks extension in server/discover exactly as the upstream declares it', async () => {
    const client = new Client(
      { name: 'discover', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(new StreamableHTTPClientTransport(gateway.url as URL));
    try {
      expect(client.getProtocolEra()).toBe('modern');
      const extensions = (client.getDiscoverResult()?.capabilities as { extensions?: unknown }).extensions;
      expect(extensions).toEqual({ [TASKS_EXTENSION]: {} });
    } finally {
      await client.close();
    }
  });

  it('passes a task handle back after the pipeline ran, and follows the task to its result', async () => {
    const url = gateway.url as URL;
    seen.length = 0;
    const taskId = await startTask(url, 'hello');
    expect(seen).toEqual(['tools/call slow']);
    expect((await post(url, 'tasks/get', { taskId })).result).toMatchObject({
      resultType: 'complete',
      taskId,
      status: 'working',
    });
    state.finish(taskId);
    expect((await post(url, 'tasks/get', { taskId })).result).toMatchObject({
      taskId,
      status: 'completed',
      result: { content: [{ type: 'text', text: 'done: hello' }], isError: false },
    });
    expect(seen).toEqual(['tools/call slow', 'tasks/get', 'tasks/get']);
  });

  it('creates a new task for every identical call, even with a cache that takes every tool', async () => {
    const url = gateway.url as URL;
    const [first, second] = await Promise.all([startTask(url, 'same'), startTask(url, 'same')]);
    const third = await startTask(url, 'same');
    expect(new Set([first, second, third]).size).toBe(3);
  });

  it('answers a client that did not declare the extension with the synchronous result the upstream gives it', async () => {
    const { result } = await post(
      gateway.url as URL,
      'tools/call',
      { name: 'slow', arguments: { text: 'sync' } },
      { tasks: false },
    );
    expect(result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'echo: sync' }] });
  });

  it.each(TASK_METHODS)(
    'answers %s from a client without the extension -32021, naming it',
    async (method) => {
      const taskId = await startTask(gateway.url as URL, 'undeclared');
      const { error } = await post(gateway.url as URL, method, paramsOf(method, taskId), { tasks: false });
      expect(error).toMatchObject({
        code: -32021,
        data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      });
    },
  );

  it.each(TASK_METHODS)(
    'answers %s for an id the gateway did not hand out as an unknown task, upstream untouched',
    async (method) => {
      const taskId = 'never-issued-by-this-gateway';
      const { error } = await post(gateway.url as URL, method, paramsOf(method, taskId));
      expect(error).toEqual({ code: -32602, message: `Task not found: ${taskId}` });
      expect(state.received.filter((line) => line.endsWith(taskId))).toEqual([]);
    },
  );

  it('lets anonymous callers share anonymous tasks (no principal to bind them to)', async () => {
    const url = gateway.url as URL;
    const taskId = await startTask(url, 'anonymous');
    expect((await post(url, 'tasks/cancel', { taskId })).result).toEqual(
      expect.objectContaining({ resultType: 'complete' }),
    );
    expect((await post(url, 'tasks/get', { taskId })).result).toMatchObject({ status: 'cancelled' });
  });
});

describe("2026-07-28 tasks through a gateway with API keys: one principal never reaches another one's tasks", () => {
  let gateway: Gateway;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ gateway, close } = await guardedGateway(upstream.url, {
      apiKeys: {
        keys: [
          { id: 'alice', sha256: hashApiKey(KEYS.alice) },
          { id: 'bob', sha256: hashApiKey(KEYS.bob) },
        ],
      },
    }));
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  // Table-driven over every task method the gateway serves: a method added without the check fails here.
  it.each(TASK_METHODS)(
    "answers %s on another principal's task as an unknown task, without reaching the upstream",
    async (method) => {
      const url = gateway.url as URL;
      const taskId = await startTask(url, `alice ${method}`, KEYS.alice);
      const before = state.received.length;
      const theirs = await post(url, method, paramsOf(method, taskId), { key: KEYS.bob });
      expect(theirs.error).toEqual({ code: -32602, message: `Task not found: ${taskId}` });
      expect(state.received.slice(before)).toEqual([]);
      // The same answer as for an id nobody was given: nothing tells Bob the task exists.
      const unknown = await post(url, method, paramsOf(method, 'no-such-task'), { key: KEYS.bob });
      expect(unknown.error).toEqual({ code: -32602, message: 'Task not found: no-such-task' });
      // Its owner reaches it, on the upstream.
      const mine = await post(url, method, paramsOf(method, taskId), { key: KEYS.alice });
      expect(mine.error).toBeUndefined();
      expect(mine.result).toMatchObject({ resultType: 'complete' });
      expect(state.received.slice(before)).toEqual([`${method} ${taskId}`]);
    },
  );

  it("keeps an anonymous caller out of a principal's tasks (the front door answers 401 first)", async () => {
    const taskId = await startTask(gateway.url as URL, 'alice only', KEYS.alice);
    const response = await fetch(gateway.url as URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'mcp-method': 'tasks/get', 'mcp-name': taskId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId } }),
    });
    expect(response.status).toBe(401);
  });
});

describe('2026-07-28 tasks through a gateway with API keys in front of a 2025-11-25-only upstream with tasks', () => {
  let legacy: HttpUpstreamFixture;
  let store: InMemoryTaskStore;
  let gateway: Gateway;
  let close: () => Promise<void>;

  /** Polls tasks/get (one round trip each, no timer) until the task has ended. */
  async function ended(url: URL, taskId: string, key: string): Promise<Body | undefined> {
    for (let poll = 0; poll < 100; poll += 1) {
      const { result } = await post(url, 'tasks/get', { taskId }, { key });
      if (result?.['status'] !== 'working') return result;
    }
    return undefined;
  }

  beforeAll(async () => {
    store = new InMemoryTaskStore();
    legacy = await startHttpUpstream(() => createTaskServer(store));
    ({ gateway, close } = await guardedGateway(legacy.url, {
      apiKeys: {
        keys: [
          { id: 'alice', sha256: hashApiKey(KEYS.alice) },
          { id: 'bob', sha256: hashApiKey(KEYS.bob) },
        ],
      },
    }));
  }, 60_000);

  afterAll(async () => {
    await close?.();
    store?.cleanup();
    await legacy?.kill();
  });

  it('declares the Tasks extension for an upstream that takes task-augmented tool calls', async () => {
    const answer = await post(gateway.url as URL, 'server/discover', {}, { key: KEYS.alice });
    expect(answer.result?.['capabilities']).toMatchObject({ extensions: { [TASKS_EXTENSION]: {} } });
  });

  it('runs a task tool as a 2025 task and gives back its handle, status and result in the 2026 shape', async () => {
    const url = gateway.url as URL;
    const created = await post(
      url,
      'tools/call',
      { name: 'echo-task', arguments: { text: 'hi' } },
      { key: KEYS.alice },
    );
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 60_000 });
    const taskId = created.result?.['taskId'] as string;
    expect(await ended(url, taskId, KEYS.alice)).toMatchObject({
      resultType: 'complete',
      taskId,
      status: 'completed',
      result: echoed('hi'),
    });
  });

  it.each(TASK_METHODS)(
    "answers %s on another principal's translated task as an unknown task",
    async (method) => {
      const url = gateway.url as URL;
      const created = await post(
        url,
        'tools/call',
        { name: 'hold-task', arguments: {} },
        { key: KEYS.alice },
      );
      const taskId = created.result?.['taskId'] as string;
      const theirs = await post(url, method, paramsOf(method, taskId), { key: KEYS.bob });
      expect(theirs.error).toEqual({ code: -32602, message: `Task not found: ${taskId}` });
      const mine = await post(url, method, paramsOf(method, taskId), { key: KEYS.alice });
      expect(mine.error).toBeUndefined();
      expect(mine.result).toMatchObject({ resultType: 'complete' });
    },
  );

  it('cancels a working task upstream for its owner', async () => {
    const url = gateway.url as URL;
    const created = await post(url, 'tools/call', { name: 'hold-task', arguments: {} }, { key: KEYS.alice });
    const taskId = created.result?.['taskId'] as string;
    expect((await post(url, 'tasks/cancel', { taskId }, { key: KEYS.alice })).result).toMatchObject({
      resultType: 'complete',
    });
    expect((await store.getTask(taskId))?.status).toBe('cancelled');
    expect(await ended(url, taskId, KEYS.alice)).toMatchObject({ taskId, status: 'cancelled' });
  });
});
