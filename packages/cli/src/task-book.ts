/**
 * Which downstream session created each task of an upstream connection (2025-11-25 experimental tasks): a
 * session reads, lists and cancels only its own tasks, and a task's status notifications reach its owner only,
 * even when several sessions share one upstream connection.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ErrorCode,
  McpError,
  TaskStatusNotificationSchema,
  type ServerNotification,
  type Task,
} from '@modelcontextprotocol/sdk/types.js';
import type { Session } from './session.js';

/** Tasks remembered per connection; past it the oldest is forgotten (its owner can no longer reach it). */
export const MAX_TASKS_PER_CONNECTION = 10_000;

/** Status notifications held for tasks whose creation answer has not been recorded yet. */
export const MAX_EARLY_STATUSES = 256;

/** Sends a notification to one session (the hub's `send`). */
export type SendTo = (session: Session, notification: ServerNotification) => void;

const books = new WeakMap<Client, TaskBook>();

/** The tasks of one upstream connection, by id, with the session that created each. */
export class TaskBook {
  readonly #owners = new Map<string, Session>();
  // A status the upstream sent right after its creation answer can overtake that answer on its way
  // through the gateway's pipeline: held here (the latest per task) until the task is recorded.
  readonly #early = new Map<string, ServerNotification>();
  readonly #send: SendTo;

  private constructor(send: SendTo) {
    this.#send = send;
  }

  /** The book of `client`'s connection; made on first use, when it starts routing status notifications. */
  static of(client: Client, send: SendTo): TaskBook {
    let book = books.get(client);
    if (book === undefined) {
      const made = new TaskBook(send);
      books.set(client, (book = made));
      client.setNotificationHandler(TaskStatusNotificationSchema, (notification) => {
        made.#status(notification.params.taskId, notification);
      });
    }
    return book;
  }

  #status(taskId: string, notification: ServerNotification): void {
    const owner = this.ownerOf(taskId);
    if (owner !== undefined) return this.#send(owner, notification);
    bounded(this.#early, taskId, notification, MAX_EARLY_STATUSES);
  }

  /** Records that `session` created `taskId`, and sends it a status that came before. */
  record(session: Session, taskId: string): void {
    bounded(this.#owners, taskId, session, MAX_TASKS_PER_CONNECTION);
    const early = this.#early.get(taskId);
    if (early === undefined) return;
    this.#early.delete(taskId);
    this.#send(session, early);
  }

  /** The open session that created `taskId`, if any; a closed owner's tasks are forgotten here. */
  ownerOf(taskId: string): Session | undefined {
    const owner = this.#owners.get(taskId);
    if (owner?.closed !== true) return owner;
    this.#owners.delete(taskId);
    return undefined;
  }

  /** True when `session` created `taskId`. */
  owns(session: Session, taskId: string): boolean {
    return this.ownerOf(taskId) === session;
  }

  /**
   * Throws the -32602 a session gets for a task it did not create: it reads as the upstream answers for an
   * unknown task, its message not prefixed (as the gateway passes the upstream's errors on).
   */
  check(session: Session, taskId: string): void {
    if (this.owns(session, taskId)) return;
    const message = `Task not found: ${taskId}`;
    const error = new McpError(ErrorCode.InvalidParams, message);
    error.message = message;
    throw error;
  }

  /** `tasks` without those `session` did not create. */
  only(session: Session, tasks: readonly Task[]): Task[] {
    return tasks.filter((task) => this.owns(session, task.taskId));
  }
}

/** Sets `key` as the newest entry of `map`, dropping the oldest past `max`. */
function bounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size <= max) return;
  const oldest = map.keys().next();
  if (oldest.done !== true) map.delete(oldest.value);
}
