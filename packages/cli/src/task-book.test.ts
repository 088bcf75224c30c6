import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { ServerNotification, Task } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { newSession, type Session } from './session.js';
import { MAX_TASKS_PER_CONNECTION, TaskBook } from './task-book.js';

const task = (taskId: string, status: Task['status'] = 'working'): Task => ({
  taskId,
  status,
  ttl: null,
  createdAt: '2026-01-01T00:00:00Z',
  lastUpdatedAt: '2026-01-01T00:00:00Z',
});

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A real client/server pair: the server plays the upstream sending task statuses. */
async function connected(): Promise<{
  book: TaskBook;
  client: Client;
  sent: [Session, string][];
  status(taskId: string, status: Task['status']): Promise<void>;
}> {
  const upstream = new Server(
    { name: 'up', version: '1.0.0' },
    { capabilities: { tasks: { requests: { tools: { call: {} } } } } },
  );
  const client = new Client({ name: 'gateway', version: '1.0.0' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([upstream.connect(a), client.connect(b)]);
  close = () => client.close();
  const sent: [Session, string][] = [];
  const book = TaskBook.of(client, (session, n: ServerNotification) => {
    const params = n.params as { taskId: string; status: string };
    sent.push([session, `${params.taskId} ${params.status}`]);
  });
  return {
    book,
    client,
    sent,
    status: async (taskId, status) => {
      await upstream.notification({ method: 'notifications/tasks/status', params: task(taskId, status) });
      await client.ping();
    },
  };
}

describe('TaskBook', () => {
  const alice = newSession({} as never);
  const bob = newSession({} as never);

  it('is one book per upstream client', async () => {
    const { book, client } = await connected();
    expect(TaskBook.of(client, () => undefined)).toBe(book);
  });

  it('lets only the session that created a task own it, and lists it to that session only', async () => {
    const { book } = await connected();
    book.record(alice, 't1');
    book.record(bob, 't2');
    expect(book.owns(alice, 't1')).toBe(true);
    expect(book.owns(bob, 't1')).toBe(false);
    expect(() => book.check(bob, 't1')).toThrow(
      expect.objectContaining({ code: -32602, message: 'Task not found: t1' }),
    );
    expect(book.only(alice, [task('t1'), task('t2'), task('t3')]).map((t) => t.taskId)).toEqual(['t1']);
  });

  it('sends a status to the task’s owner only', async () => {
    const { book, sent, status } = await connected();
    book.record(alice, 't1');
    book.record(bob, 't2');
    await status('t1', 'completed');
    await status('t2', 'failed');
    expect(sent).toEqual([
      [alice, 't1 completed'],
      [bob, 't2 failed'],
    ]);
  });

  it('holds a status that overtook its task’s creation answer and sends the latest on record', async () => {
    const { book, sent, status } = await connected();
    await status('t9', 'working');
    await status('t9', 'completed');
    expect(sent).toEqual([]);
    book.record(alice, 't9');
    expect(sent).toEqual([[alice, 't9 completed']]);
  });

  it('forgets the tasks of a closed session and the oldest past the bound', async () => {
    const { book } = await connected();
    const carol = newSession({} as never);
    book.record(carol, 'c1');
    carol.closed = true;
    expect(book.ownerOf('c1')).toBeUndefined();
    book.record(alice, 'first');
    for (let i = 0; i < MAX_TASKS_PER_CONNECTION; i++) book.record(bob, `n${i}`);
    expect(book.owns(alice, 'first')).toBe(false);
    expect(book.owns(bob, `n${MAX_TASKS_PER_CONNECTION - 1}`)).toBe(true);
  });
});
