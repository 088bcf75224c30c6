/** The SDK adapter: wrap every tool of an McpServer (1.32.x), and one-off callbacks, in a pipeline. */
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { extraFor } from './context.js';
import type { CallToolResult, ToolArgs, ToolExtra, ToolInfo } from './contract.js';
import { createToolRunner, type Pipeline, type RunnerOptions, type ToolRunner } from './runner.js';

type AnyCallback = (...args: never[]) => CallToolResult | Promise<CallToolResult>;
type ToolUpdate = Parameters<RegisteredTool['update']>[0];
// The SDK's registered-tool record, with the fields 1.32 keeps and reads per call.
type ToolRecord = Omit<RegisteredTool, 'handler'> & { handler: unknown };

const APPLIED = Symbol.for('io.github.mcp-middleware/applied');

function toolInfo(name: string, tool: ToolRecord): ToolInfo {
  return Object.freeze({
    name,
    title: tool.title,
    description: tool.description,
    annotations: tool.annotations,
    inputSchema: tool.inputSchema,
    outputSchema: tool.outputSchema,
    _meta: tool._meta,
  });
}

/**
 * Wraps one SDK tool callback. With an input schema the SDK calls `(args, extra)`, without one `(extra)`;
 * `tool.inputSchema` decides which shape the wrapper accepts and calls.
 */
export function wrapTool<C extends AnyCallback>(
  handler: C,
  pipeline: Pipeline,
  tool: ToolInfo,
  options?: RunnerOptions,
): C {
  return wrapWith(createToolRunner(pipeline, options), handler, tool) as C;
}

function wrapWith(runner: ToolRunner, callback: AnyCallback, tool: ToolInfo): AnyCallback {
  const invoke = callback as (...args: unknown[]) => CallToolResult | Promise<CallToolResult>;
  if (tool.inputSchema === undefined) {
    const run = runner.bind(tool, (ctx) => invoke(extraFor(ctx)));
    return (extra: ToolExtra) => run(undefined, extra);
  }
  const run = runner.bind(tool, (ctx) => invoke(ctx.args, extraFor(ctx)));
  return (args: ToolArgs, extra: ToolExtra) => run(args, extra);
}

/**
 * Runs every tool of `server` through `pipeline`: tools registered before and after this call, through
 * `registerTool` or the deprecated `tool()`, and callbacks replaced with `update({ callback })`.
 * Applying it twice to one server throws: compose one pipeline instead.
 */
export function withMiddleware<S extends McpServer>(
  server: S,
  pipeline: Pipeline,
  options?: RunnerOptions,
): S {
  const target = server as unknown as { [APPLIED]?: true; _registeredTools?: Record<string, ToolRecord> };
  if (target[APPLIED] === true) {
    throw new Error(
      'withMiddleware: this McpServer already has a pipeline; compose all middlewares into one pipeline ' +
        'and call withMiddleware once',
    );
  }
  const registry = target._registeredTools;
  if (typeof registry !== 'object' || registry === null) {
    throw new Error(
      'withMiddleware: this McpServer does not keep its tools where @modelcontextprotocol/sdk 1.x does, so ' +
        'tools could be left unwrapped; use wrapTool() on each callback instead',
    );
  }
  const runner = createToolRunner(pipeline, options);

  const adopt = (name: string, tool: ToolRecord): void => {
    if (typeof tool.handler !== 'function') {
      process.emitWarning(
        `withMiddleware: tool \`${name}\` is a task tool (registerToolTask); task tools run without the pipeline`,
        'McpMiddlewareWarning',
      );
      return;
    }
    let currentName = name;
    let original = tool.handler as AnyCallback;
    // The arity rule depends on inputSchema, which update() can change: rebuild after every update.
    const rewrap = (): void => {
      tool.handler = wrapWith(runner, original, toolInfo(currentName, tool));
    };
    rewrap();
    const update = tool.update.bind(tool);
    tool.update = (updates: ToolUpdate): void => {
      if (updates.callback !== undefined) original = updates.callback;
      const { callback: _ignored, ...rest } = updates;
      update(rest);
      if (typeof updates.name === 'string') currentName = updates.name;
      rewrap();
    };
  };

  for (const [name, tool] of Object.entries(registry)) adopt(name, tool);

  const registerTool = server.registerTool.bind(server) as (...args: unknown[]) => ToolRecord;
  const tool = server.tool.bind(server) as (...args: unknown[]) => ToolRecord;
  Object.assign(server, {
    registerTool(...args: unknown[]): ToolRecord {
      const registered = registerTool(...args);
      adopt(args[0] as string, registered);
      return registered;
    },
    tool(...args: unknown[]): ToolRecord {
      const registered = tool(...args);
      adopt(args[0] as string, registered);
      return registered;
    },
  });
  Object.defineProperty(target, APPLIED, { value: true });
  return server;
}
