/** The middleware that stands for one pipeline entry with `tools:` settings: per tool, the instance its settings build. */
import { attachOnce, type EventChannel, type Middleware, type ToolInfo } from '@mcp-middleware/core';
import { OverrideIndex, resolveFor, type Override } from './tool-overrides.js';
import type { PipelineEntry } from './validate.js';

/** Builds an instance from one tool's resolved options; rejects with what the tool's calls answer. */
export type CreateForTool = (options: Record<string, unknown>, tool: string) => Promise<Middleware>;

/**
 * The instances of one entry: built once per distinct set of matching keys (tools with the same keys share
 * one), attached to every channel the dispatcher is attached to. `false` is a tool the entry is off for.
 */
class PerToolInstances {
  readonly #channels: EventChannel[] = [];
  readonly #index: OverrideIndex;
  readonly #byKey: Map<string, Promise<Middleware | false>>;
  readonly #byTool = new WeakMap<ToolInfo, Promise<Middleware | false>>();

  constructor(
    readonly entry: PipelineEntry,
    readonly base: Middleware,
    overrides: readonly Override[],
    readonly create: CreateForTool,
  ) {
    this.#index = new OverrideIndex(overrides);
    this.#byKey = new Map([['', Promise.resolve(base)]]);
  }

  /** The instance for `tool` (the same promise for every call of that tool). */
  pick(tool: ToolInfo): Promise<Middleware | false> {
    let chosen = this.#byTool.get(tool);
    if (chosen === undefined) {
      chosen = this.#forSettings(tool);
      this.#byTool.set(tool, chosen);
    }
    return chosen;
  }

  attach(channel: EventChannel): void {
    this.#channels.push(channel);
    attachOnce(this.base, channel);
  }

  #forSettings(tool: ToolInfo): Promise<Middleware | false> {
    const { key, options } = resolveFor(tool, this.entry.name, this.entry.options, this.#index);
    let chosen = this.#byKey.get(key);
    if (chosen === undefined) {
      chosen =
        options === false
          ? Promise.resolve(false as const)
          : this.create(options, tool.name).then((middleware) => {
              for (const channel of this.#channels) attachOnce(middleware, channel);
              return middleware;
            });
      this.#byKey.set(key, chosen);
    }
    return chosen;
  }
}

/** Picks, per tool, the instance built from that tool's resolved options; `base` for tools no key selects. */
export function perTool(
  entry: PipelineEntry,
  base: Middleware,
  overrides: readonly Override[],
  create: CreateForTool,
): Middleware {
  const instances = new PerToolInstances(entry, base, overrides, create);
  // After a tool's first call its instance is known, and later calls skip the await.
  const ready = new WeakMap<ToolInfo, Middleware | false>();
  const dispatcher: Middleware = function perToolSettings(ctx, next) {
    const known = ready.get(ctx.tool);
    if (known !== undefined) return known === false ? next(ctx) : known(ctx, next);
    return instances.pick(ctx.tool).then((middleware) => {
      ready.set(ctx.tool, middleware);
      return middleware === false ? next(ctx) : middleware(ctx, next);
    });
  };
  dispatcher.attach = (channel) => instances.attach(channel);
  // Per-tool settings shape tool calls; every other request (lists, reads, gets) takes the pipeline's
  // own settings, so an override never drops auth's guard or a read's retry.
  dispatcher.requests = base.requests;
  return dispatcher;
}
