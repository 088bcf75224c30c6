/** The upstream's tool list, and one bound pipeline run per tool, rebuilt only when the list changes. */
import { ListToolsResultSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type {
  CallToolResult,
  ToolArgs,
  ToolContext,
  ToolExtra,
  ToolHandler,
  ToolInfo,
  ToolRunner,
} from '@mcp-middleware/core';
import { toolInfoOf } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

/** One tool's pipeline, bound to its ToolInfo. */
export type ToolRun = (args: ToolArgs, extra: ToolExtra) => Promise<CallToolResult>;

// A server that keeps handing out cursors must not hold the gateway in a loop.
const MAX_PAGES = 100;

/** Every page of the upstream's `tools/list`. */
export async function fetchTools(connection: UpstreamConnection, timeoutMs: number): Promise<Tool[]> {
  if (connection.capabilities.tools === undefined) return [];
  const all: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await connection.client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      ListToolsResultSchema,
      { timeout: timeoutMs },
    );
    all.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) break;
  }
  return all;
}

/** The tools clients see and the runs their calls take. */
export class ToolTable {
  readonly #runner: ToolRunner;
  readonly #handler: ToolHandler;
  #tools: readonly Tool[] = [];
  #runs = new Map<string, ToolRun>();
  #infos = new Map<string, ToolInfo>();
  #refreshing: Promise<void> | undefined;
  #again = false;

  constructor(runner: ToolRunner, handler: ToolHandler) {
    this.#runner = runner;
    this.#handler = handler;
  }

  /** The upstream's tools, exactly as it listed them. */
  get tools(): readonly Tool[] {
    return this.#tools;
  }

  /** The run for `name`; a tool the list does not know still goes upstream, which answers for it. */
  run(name: string): ToolRun {
    return this.#runs.get(name) ?? this.#runner.bind(Object.freeze({ name }), this.#handler);
  }

  /**
   * Runs a call whose raw params the pipeline and the handler must see: a task-augmented one (`params.task`),
   * which the handler sends upstream as such and which validation and cache leave alone.
   */
  runWithParams(
    params: Readonly<Record<string, unknown>> & { name: string },
    extra: ToolExtra,
  ): Promise<CallToolResult> {
    const tool = this.#infos.get(params.name) ?? Object.freeze({ name: params.name });
    const handler = this.#handler;
    return this.#runner.call(tool, params, extra, (ctx) => Promise.resolve(handler(ctx as ToolContext)));
  }

  /** Replaces the list; ToolInfo objects and bound runs are built here, never per call. */
  install(tools: readonly Tool[]): void {
    this.#tools = tools;
    this.#infos = new Map(tools.map((tool) => [tool.name, toolInfoOf(tool)]));
    this.#runs = new Map(
      [...this.#infos].map(([name, info]) => [name, this.#runner.bind(info, this.#handler)]),
    );
  }

  /**
   * Fetches the list again from whatever `connection()` returns when the fetch starts. Overlapping calls
   * share one refresh, which runs once more if asked during it, so the last change is never missed.
   */
  refresh(connection: () => UpstreamConnection | undefined, timeoutMs: number): Promise<void> {
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        const current = connection();
        if (current === undefined) return;
        this.install(await fetchTools(current, timeoutMs));
      } while (this.#again);
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }
}
