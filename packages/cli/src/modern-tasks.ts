/**
 * Tasks for 2026-07-28 clients: the `io.modelcontextprotocol/tasks` extension (SEP-2663) in front of a
 * 2026-07-28 upstream that declares it. The gateway mirrors the declaration, passes a `tools/call`'s task
 * handle (`resultType: "task"`) back with its task recorded for the caller's principal, and forwards
 * `tasks/get`, `tasks/update` and `tasks/cancel` only for the tasks that principal created; any other id
 * (another principal's, one it never saw, one it forgot) is answered as an unknown task. 2026-07-28 has no
 * sessions, so the owner is the principal (`auth()`'s, else the OAuth client); calls without one (a gateway
 * without auth) own their tasks together, as anonymous MRTR rounds do, and rely on the upstream's
 * unguessable task ids.
 */
import type { Transport } from '@modelcontextprotocol/client';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** The extension's identifier, in capabilities and in a client's per-request `clientCapabilities`. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The extension's methods on 2026-07-28 (no `tasks/result`, no `tasks/list`). */
export const TASK_METHODS = ['tasks/get', 'tasks/update', 'tasks/cancel'] as const;

/** Tasks remembered by the gateway; past it the oldest is forgotten (its owner can no longer reach it). */
export const MAX_MODERN_TASKS = 10_000;

const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
const MISSING_CAPABILITY = -32021;

/** The params a task method must carry: its `taskId`; the rest goes upstream as sent. */
export const TaskParamsSchema = z.looseObject({ taskId: z.string() });

/** What the upstream answers a task method with: checked by the client that asked, not here. */
export const TaskResultSchema = z.looseObject({});

/** True for `tasks/get`, `tasks/update` and `tasks/cancel`. */
export function isTaskMethod(method: string): boolean {
  return (TASK_METHODS as readonly string[]).includes(method);
}

/** True when a request's `_meta` (the 2026 envelope put back) declares the Tasks extension. */
export function declaresTasks(meta: Readonly<Record<string, unknown>> | undefined): boolean {
  const capabilities = meta?.[CLIENT_CAPABILITIES_KEY] as { extensions?: unknown } | undefined;
  const extensions = capabilities?.extensions;
  return typeof extensions === 'object' && extensions !== null && TASKS_EXTENSION in extensions;
}

/** The id of the task `result` is the handle of (`resultType: "task"`), if it is one. */
export function taskHandleId(result: unknown): string | undefined {
  const handle = result as { resultType?: unknown; taskId?: unknown } | undefined;
  return handle?.resultType === 'task' && typeof handle.taskId === 'string' ? handle.taskId : undefined;
}

/**
 * The -32602 a caller gets for a task it did not create: it reads as the upstream answers an unknown task,
 * its message not prefixed (as the gateway passes the upstream's errors on).
 */
export function unknownTask(taskId: string): McpError {
  const message = `Task not found: ${taskId}`;
  const error = new McpError(ErrorCode.InvalidParams, message);
  error.message = message;
  return error;
}

/** The -32021 the extension prescribes for a task method from a client that did not declare it. */
export function missingTasksCapability(): McpError {
  const message =
    `Missing required client capability: declare the ${TASKS_EXTENSION} extension in ` +
    `_meta["${CLIENT_CAPABILITIES_KEY}"].extensions to use tasks`;
  const error = new McpError(MISSING_CAPABILITY, message, {
    requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
  });
  error.message = message;
  return error;
}

// An anonymous owner (no principal): a key no principal id can be, since those are `<source>:<id>`.
const ANONYMOUS = '';

/** The tasks created through the gateway, by id, with the principal that created each. */
export class TaskOwners {
  readonly #owners = new Map<string, string>();

  /** Records that `principal` (undefined: anonymous) created `taskId`. */
  record(principal: string | undefined, taskId: string): void {
    this.#owners.delete(taskId);
    this.#owners.set(taskId, principal ?? ANONYMOUS);
    if (this.#owners.size <= MAX_MODERN_TASKS) return;
    const oldest = this.#owners.keys().next();
    if (oldest.done !== true) this.#owners.delete(oldest.value);
  }

  /** Throws the unknown-task error unless `principal` (undefined: anonymous) created `taskId`. */
  check(principal: string | undefined, taskId: string): void {
    if (this.#owners.get(taskId) !== (principal ?? ANONYMOUS)) throw unknownTask(taskId);
  }
}

/**
 * Keeps the task handle an upstream answers a `tools/call` with. SDK v2 2.4's client knows no Tasks
 * extension and rejects a `resultType: "task"` result as unsupported; the handle is read off the transport
 * before the client sees it, and the caller answers with it when the client's request fails.
 */
export function catchTaskHandle(transport: Transport): { handle: Record<string, unknown> | undefined } {
  const caught: { handle: Record<string, unknown> | undefined } = { handle: undefined };
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const result = (message as { result?: unknown }).result;
    if (taskHandleId(result) !== undefined) caught.handle = result as Record<string, unknown>;
    deliver?.(message, extra);
  };
  return caught;
}
