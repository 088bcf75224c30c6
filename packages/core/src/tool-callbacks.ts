/**
 * The tool callbacks of an SDK 1.x McpServer under the request seam: each reports what it throws (or
 * returns instead of a result) against its call's `extra`, because the SDK's own catch flattens errors
 * into isError text, which would hide them from retry and the breaker.
 */
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolInfo } from './contract.js';
import { MiddlewareError } from './errors.js';
import { isProtocolError } from './not-found.js';
import { describeValue, isToolResult } from './result.js';
import type { ToolRecord } from './sdk-v1.js';
import type { V2ToolRecord } from './sdk-v2.js';

/** Any SDK tool callback, in either shape. */
export type AnyCallback = (...args: never[]) => CallToolResult | Promise<CallToolResult>;
type ToolUpdate = Parameters<RegisteredTool['update']>[0];

// What a tool callback threw (or returned instead of a result), by the `extra` object of its call: the
// SDK's own catch flattens errors into isError text, which would hide them from retry and the breaker.
const failures = new WeakMap<object, unknown>();
const PLACEHOLDER: CallToolResult = Object.freeze({ content: [], isError: true });

function caught(extra: object, error: unknown): CallToolResult {
  // The SDK lets exactly this escape a tool as a JSON-RPC error; keep it what it was.
  if (isProtocolError(error)) throw error;
  failures.set(extra, error);
  return PLACEHOLDER;
}

function checked(extra: object, result: unknown): unknown {
  if (isToolResult(result)) return result;
  failures.set(
    extra,
    new MiddlewareError('INTERNAL', `returned ${describeValue(result)} instead of a tool result`),
  );
  return PLACEHOLDER;
}

export function reportThrows(callback: AnyCallback): AnyCallback {
  const invoke = callback as (a: unknown, b: unknown) => unknown;
  // The SDK calls `(args, extra)` for a tool with an input schema and `(extra)` without one. No rest
  // parameter and no closures on the success path: this runs on every tool call.
  return function reportingCallback(a: unknown, b: unknown): unknown {
    const extra = (arguments.length >= 2 ? b : a) as object;
    try {
      const result = invoke(a, b);
      return result instanceof Promise
        ? result.then(
            (value: unknown) => checked(extra, value),
            (error: unknown) => caught(extra, error),
          )
        : checked(extra, result);
    } catch (error) {
      return caught(extra, error);
    }
  } as unknown as AnyCallback;
}

/** The result the SDK answered with, or the callback's own failure rethrown. */
export function rethrowThrown(extra: object, result: unknown): CallToolResult {
  if (failures.has(extra)) {
    const error = failures.get(extra);
    failures.delete(extra);
    throw error;
  }
  return result as CallToolResult;
}

// Every tool callback, before and after withMiddleware, reports what it throws to the pipeline.
export function adoptTools(
  server: McpServer,
  registry: Record<string, ToolRecord>,
  infos: WeakMap<ToolRecord, ToolInfo>,
): void {
  const adopt = (name: string, tool: ToolRecord): void => {
    if (typeof tool.handler !== 'function') {
      process.emitWarning(
        `withMiddleware: tool \`${name}\` is a task tool (registerToolTask); its calls pass the pipeline, ` +
          'but what its task does later does not',
        'McpMiddlewareWarning',
      );
      return;
    }
    tool.handler = reportThrows(tool.handler as AnyCallback);
    const update = tool.update.bind(tool);
    tool.update = (updates: ToolUpdate): void => {
      infos.delete(tool);
      update(
        updates.callback === undefined
          ? updates
          : { ...updates, callback: reportThrows(updates.callback) as never },
      );
    };
  };
  for (const [name, tool] of Object.entries(registry)) adopt(name, tool);

  const registerTool = server.registerTool.bind(server) as (...args: unknown[]) => ToolRecord;
  const tool = (server.tool as unknown as ((...args: unknown[]) => ToolRecord) | undefined)?.bind(server);
  Object.assign(server, {
    registerTool(...args: unknown[]): ToolRecord {
      const registered = registerTool(...args);
      adopt(args[0] as string, registered);
      return registered;
    },
    ...(tool !== undefined && {
      tool(...args: unknown[]): ToolRecord {
        const registered = tool(...args);
        adopt(args[0] as string, registered);
        return registered;
      },
    }),
  });
}

// v2 runs `tool.executor(args, ctx)`, built from the callback at registration and rebuilt by `update`:
// wrapping the executor (always two arguments) covers both shapes of callback, and re-wrapping after every
// update keeps a new callback or schema under the pipeline. No list_changed notification is sent.
export function adoptV2Tools(
  server: { registerTool: (...args: never[]) => unknown },
  registry: Record<string, V2ToolRecord>,
  infos: WeakMap<object, ToolInfo>,
): void {
  const adopt = (tool: V2ToolRecord): void => {
    tool.executor = reportThrows(tool.executor as AnyCallback) as unknown as V2ToolRecord['executor'];
    const update = tool.update.bind(tool);
    tool.update = (updates: Record<string, unknown>): void => {
      const before = tool.executor;
      infos.delete(tool);
      update(updates);
      if (tool.executor !== before) {
        tool.executor = reportThrows(tool.executor as AnyCallback) as unknown as V2ToolRecord['executor'];
      }
    };
  };
  for (const tool of Object.values(registry)) adopt(tool);
  const registerTool = server.registerTool.bind(server) as (...args: unknown[]) => V2ToolRecord;
  Object.assign(server, {
    registerTool(...args: unknown[]): V2ToolRecord {
      const registered = registerTool(...args);
      adopt(registered);
      return registered;
    },
  });
}
