// The translation of 2025-11-25 tasks into the 2026-07-28 Tasks extension's shape, against a real SDK 1.32
// server with a task store (in memory): status, ttl and poll interval renamed, an ended task's tasks/result
// inlined (a result makes it completed, an isError one too), a 2025 input_required shown as working.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyTaskRequest, modernHandle, runsAsTask } from './legacy-tasks.js';

const store = new InMemoryTaskStore();
const client = new Client({ name: 'legacy-tasks-test', version: '1.0.0' });
const options = { signal: new AbortController().signal, timeout: 5_000 };
const request = { method: 'tools/call', params: { name: 'x', arguments: {} } };
let made = 0;

/** A task in the store, in `status`, with `result` stored when it has ended. */
async function task(
  status: 'working' | 'input_required' | 'completed' | 'failed',
  result?: Record<string, unknown>,
): Promise<string> {
  const { taskId } = await store.createTask({ ttl: 60_000, pollInterval: 25 }, ++made, request);
  if (status === 'completed' || status === 'failed')
    await store.storeTaskResult(taskId, status, result ?? {});
  else if (status === 'input_required') await store.updateTaskStatus(taskId, status);
  return taskId;
}

beforeAll(async () => {
  const server = new McpServer(
    { name: 'tasks', version: '1.0.0' },
    { capabilities: { tasks: { requests: { tools: { call: {} } } } }, taskStore: store },
  );
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
});

afterAll(async () => {
  await client.close();
  store.cleanup();
});

describe('legacyTaskRequest', () => {
  it('answers tasks/get for a working task in the 2026 shape (ttlMs, pollIntervalMs)', async () => {
    const taskId = await task('working');
    const answer = await legacyTaskRequest(client, 'tasks/get', taskId, options);
    expect(answer).toMatchObject({ taskId, status: 'working', ttlMs: 60_000, pollIntervalMs: 25 });
    expect(answer).not.toHaveProperty('ttl');
    expect(answer).not.toHaveProperty('result');
  });

  it('shows a 2025 task waiting for input as working: it has no inputRequests to give', async () => {
    const taskId = await task('input_required');
    expect(await legacyTaskRequest(client, 'tasks/get', taskId, options)).toMatchObject({
      status: 'working',
    });
  });

  it.each([
    ['completed', { content: [{ type: 'text', text: 'ok' }] }],
    ['failed', { content: [{ type: 'text', text: 'no' }], isError: true }],
  ] as const)('inlines the result of a %s task and calls the task completed', async (status, result) => {
    const taskId = await task(status, result);
    expect(await legacyTaskRequest(client, 'tasks/get', taskId, options)).toMatchObject({
      taskId,
      status: 'completed',
      result,
    });
  });

  it('passes the upstream error for an unknown task on', async () => {
    await expect(legacyTaskRequest(client, 'tasks/get', 'nope', options)).rejects.toMatchObject({
      code: -32602,
    });
  });

  it('acknowledges tasks/update without asking the upstream, and cancels a working task upstream', async () => {
    const taskId = await task('working');
    expect(await legacyTaskRequest(client, 'tasks/update', taskId, options)).toEqual({});
    expect((await store.getTask(taskId))?.status).toBe('working');
    expect(await legacyTaskRequest(client, 'tasks/cancel', taskId, options)).toEqual({});
    expect((await store.getTask(taskId))?.status).toBe('cancelled');
  });
});

describe('modernHandle and runsAsTask', () => {
  it('turns a CreateTaskResult into a task handle, and leaves anything else alone', () => {
    const created = {
      task: { taskId: 't', status: 'working', ttl: null, createdAt: 'c', lastUpdatedAt: 'l' },
    };
    expect(modernHandle(created)).toEqual({
      resultType: 'task',
      taskId: 't',
      status: 'working',
      ttlMs: null,
      createdAt: 'c',
      lastUpdatedAt: 'l',
    });
    expect(modernHandle({ content: [] })).toBeUndefined();
  });

  it('runs a tool as a task only when it offers task execution', () => {
    const tool = (taskSupport?: 'forbidden' | 'optional' | 'required'): never =>
      ({
        name: 't',
        inputSchema: { type: 'object' },
        ...(taskSupport && { execution: { taskSupport } }),
      }) as never;
    expect([undefined, 'forbidden', 'optional', 'required'].map((s) => runsAsTask(tool(s as never)))).toEqual(
      [false, false, true, true],
    );
  });
});
