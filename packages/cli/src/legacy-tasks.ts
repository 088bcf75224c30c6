/**
 * Tasks for 2026-07-28 clients in front of a 2025-11-25-only upstream that offers task-augmented tool calls:
 * the Tasks extension (SEP-2663) translated to 2025-11-25's experimental tasks on the gateway's 2025
 * connection. A task is created with the 2025 `task` param and its handle given back in the 2026 shape;
 * `tasks/get` asks the upstream's `tasks/get` and, once the task has ended, its `tasks/result`, which it
 * inlines (`result`, or `error` for a JSON-RPC failure); `tasks/cancel` is `tasks/cancel`; `tasks/update` is
 * acknowledged and does nothing, since the gateway never hands out `inputRequests` for such a task.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CancelTaskResultSchema,
  GetTaskResultSchema,
  ResultSchema,
  type ServerCapabilities,
  type Task,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';

/** How long one request to the upstream may take, and what cancels it. */
export interface LegacyTaskOptions {
  readonly signal: AbortSignal;
  readonly timeout: number;
}

/** True when the 2025 upstream accepts task-augmented tool calls (its `tasks.requests.tools.call`). */
export function offersToolTasks(capabilities: ServerCapabilities): boolean {
  return capabilities.tasks?.requests?.tools?.call !== undefined;
}

/** True when `tool` may run as a 2025 task (`execution.taskSupport` optional or required). */
export function runsAsTask(tool: Tool | undefined): boolean {
  const support = tool?.execution?.taskSupport;
  return support === 'optional' || support === 'required';
}

/** A 2025 task in the extension's shape (without `resultType`, which the result's method decides). */
export function modernTask(task: Task): Record<string, unknown> {
  const { ttl, pollInterval, status, ...rest } = task;
  return {
    ...rest,
    // A 2025 task waits for input by asking on the connection; the gateway has no inputRequests to show.
    status: status === 'input_required' ? 'working' : status,
    ttlMs: ttl ?? null,
    ...(pollInterval !== undefined && { pollIntervalMs: pollInterval }),
  };
}

/** The 2026 task handle for a 2025 `CreateTaskResult`, or undefined when `result` is not one. */
export function modernHandle(result: Record<string, unknown>): Record<string, unknown> | undefined {
  const task = result['task'] as Task | undefined;
  if (typeof task !== 'object' || task === null || typeof task.taskId !== 'string') return undefined;
  return { resultType: 'task', ...modernTask(task) };
}

/** Answers `method` (a 2026 task method) for task `taskId` on the 2025 connection's `client`. */
export async function legacyTaskRequest(
  client: Client,
  method: string,
  taskId: string,
  options: LegacyTaskOptions,
): Promise<Record<string, unknown>> {
  if (method === 'tasks/update') return {};
  if (method === 'tasks/cancel') {
    await client.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema, options);
    return {};
  }
  const task = await client.request(
    { method: 'tasks/get', params: { taskId } },
    GetTaskResultSchema,
    options,
  );
  const shaped = modernTask(task);
  if (task.status !== 'completed' && task.status !== 'failed') return shaped;
  try {
    const result = await client.request(
      { method: 'tasks/result', params: { taskId } },
      ResultSchema,
      options,
    );
    // A result (an isError one included) is a completed task on 2026-07-28; `failed` is for JSON-RPC errors.
    return { ...shaped, status: 'completed', result };
  } catch (error) {
    const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
    if (typeof code !== 'number') throw error;
    // The SDK prefixes "MCP error <code>: "; the client gets the upstream's own message.
    const said = String(message).replace(/^MCP error -?\d+: /, '');
    return {
      ...shaped,
      status: 'failed',
      error: { code, message: said, ...(data !== undefined && { data }) },
    };
  }
}
