/** Builds one pipeline entry: its middleware, each `tools:` override checked on its own, and what `check` shows. */
import { MiddlewareError, type Middleware, type ToolInfo } from '@mcp-middleware/core';
import { createOne, isConfigError, thrownBy } from './create-one.js';
import { formatPath, type ConfigProblem } from './errors.js';
import { deepMerge } from './merge.js';
import { perTool, type CreateForTool } from './per-tool.js';
import type { BuildContext, RegistryEntry } from './registry.js';
import { displayCopy, scrub } from './secrets.js';
import { OverrideIndex, resolveFor, type Override } from './tool-overrides.js';
import type { PipelineEntry, ToolOverrides } from './validate.js';

/** What every entry of one pipeline is built with. */
export interface EntryEnvironment {
  readonly registry: ReadonlyMap<string, RegistryEntry>;
  readonly context: BuildContext;
  readonly cwd: string | undefined;
  /** Values no message may show (texts written by factories are scrubbed of them). */
  readonly secrets: ReadonlySet<string>;
  /** Values the environment filled in, as written, keyed by formatted path. */
  readonly fromEnv: ReadonlyMap<string, string>;
  /** Where build failures go, repathed into the file. */
  readonly problems: ConfigProblem[];
}

/** One built entry: its middleware (none when it failed) and, for `check`, what a tool gets from it. */
export interface BuiltEntry {
  readonly middleware: Middleware | undefined;
  describe(tool: ToolInfo): string;
}

function strip(message: string, factory: string): string {
  return message.startsWith(`${factory}: `) ? message.slice(factory.length + 2) : message;
}

/** Where an entry's options sit in the file: `pipeline[2].retry` or, for `use:`, `pipeline[2].options`. */
export const optionsPath = (index: number, entry: PipelineEntry): PropertyKey[] =>
  entry.use === undefined ? ['pipeline', index, entry.name] : ['pipeline', index, 'options'];

/** Builds the entries of one pipeline; failures become problems whose paths point into the file. */
export class EntryBuilder {
  constructor(readonly environment: EntryEnvironment) {}

  /** Builds `entry`, the `index`th of the pipeline, with the overrides (sorted) that name it. */
  async build(index: number, entry: PipelineEntry, overrides: readonly Override[]): Promise<BuiltEntry> {
    const base = await this.#create(entry, { ...entry.options }, ['pipeline', index, entry.name]);
    const relevant = overrides.filter(({ settings }) => settings[entry.name] !== undefined);
    await this.#checkEach(entry, relevant);
    const describe = this.#describer(index, entry, relevant);
    if (base === undefined || relevant.length === 0) return { middleware: base, describe };
    return { middleware: perTool(entry, base, relevant, this.#forTool(entry)), describe };
  }

  // A ConfigError names the option; anything else is a bug in a factory, named but never a crash.
  async #create(
    entry: PipelineEntry,
    options: Record<string, unknown>,
    where: readonly PropertyKey[],
  ): Promise<Middleware | undefined> {
    const { registry, context, cwd, problems } = this.environment;
    try {
      return await createOne(entry, options, registry, context, cwd);
    } catch (error) {
      const reason = isConfigError(error)
        ? error
        : thrownBy(`the factory of ${entry.use ?? entry.name}`, error);
      problems.push({
        path: reason.path === '' ? formatPath(where) : `${formatPath(where)}.${reason.path}`,
        message: strip(reason.message, entry.name),
      });
      return undefined;
    }
  }

  // Every override is built on its own now, so a bad per-tool value fails at load time, not at the first call.
  async #checkEach(entry: PipelineEntry, relevant: readonly Override[]): Promise<void> {
    for (const { key, settings } of relevant) {
      const setting = settings[entry.name];
      if (setting !== false && setting !== undefined)
        await this.#create(entry, deepMerge(entry.options, setting) as Record<string, unknown>, [
          'tools',
          key.key,
          entry.name,
        ]);
    }
  }

  // `check` prints these: values from the environment as written, secret-like keys hidden.
  #describer(index: number, entry: PipelineEntry, relevant: readonly Override[]): (tool: ToolInfo) => string {
    const { fromEnv } = this.environment;
    const shownBase = displayCopy(entry.options, optionsPath(index, entry), fromEnv, formatPath) as Record<
      string,
      unknown
    >;
    const shown = new OverrideIndex(
      relevant.map(({ key, settings }) => ({
        key,
        settings: {
          [entry.name]: displayCopy(
            settings[entry.name],
            ['tools', key.key, entry.name],
            fromEnv,
            formatPath,
          ),
        } as ToolOverrides,
      })),
    );
    return (tool) => {
      const { options } = resolveFor(tool, entry.name, shownBase, shown);
      return options === false ? `${entry.name}: off` : `${entry.name} ${JSON.stringify(options)}`;
    };
  }

  // Keys checked one by one at load time can still clash together on one tool; the message reaches a client.
  #forTool(entry: PipelineEntry): CreateForTool {
    const { registry, context, cwd, secrets } = this.environment;
    return async (options, tool) => {
      try {
        return await createOne(entry, options, registry, context, cwd);
      } catch (error) {
        const reason = isConfigError(error) ? error : thrownBy(`the factory of ${entry.name}`, error);
        throw new MiddlewareError(
          'INTERNAL',
          scrub(
            `the per-tool settings of ${entry.name} for tool "${tool}" are invalid together: ${strip(reason.message, entry.name)}`,
            secrets,
          ),
          { cause: error, retryable: false },
        );
      }
    };
  }
}
