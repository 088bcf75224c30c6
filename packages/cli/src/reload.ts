/**
 * Reloading the gateway's pipeline: a runner whose pipeline can be replaced while calls run (each call
 * finishes on the pipeline it started with), and the loop that re-reads the config file on SIGHUP or a change.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { ConfigFileError, formatProblem, type ConfigProblem } from '@mcp-middleware/config';
import {
  createToolRunner,
  type CallToolResult,
  type EventChannel,
  type Next,
  type Operation,
  type Pipeline,
  type RequestHandler,
  type Result,
  type RunnerOptions,
  type ToolArgs,
  type ToolExtra,
  type ToolHandler,
  type ToolInfo,
  type ToolRunner,
} from '@mcp-middleware/core';

// How a runner answers an unknown tool or target (core keeps the type internal).
type UnknownTarget = Parameters<ToolRunner['call']>[4];

/**
 * A ToolRunner over a pipeline that `replace()` swaps. A run bound before a swap rebinds on its next call
 * (one comparison per call otherwise); a call already running keeps the chain it entered.
 */
export class ReloadableRunner implements ToolRunner {
  readonly #options: RunnerOptions;
  #current: ToolRunner;
  #generation = 0;

  constructor(pipeline: Pipeline, options: RunnerOptions) {
    this.#options = options;
    this.#current = createToolRunner(pipeline, options);
  }

  /** The current pipeline's event channel (a new one per pipeline unless the options gave one). */
  get events(): EventChannel {
    return this.#current.events;
  }

  /** Composes `pipeline`; calls that start from now on run through it. */
  replace(pipeline: Pipeline): void {
    this.#current = createToolRunner(pipeline, this.#options);
    this.#generation++;
  }

  bind(tool: ToolInfo, handler: ToolHandler): (args: ToolArgs, extra: ToolExtra) => Promise<CallToolResult> {
    let generation = this.#generation;
    let run = this.#current.bind(tool, handler);
    return (args, extra) => {
      if (generation !== this.#generation) {
        generation = this.#generation;
        run = this.#current.bind(tool, handler);
      }
      return run(args, extra);
    };
  }

  run(tool: ToolInfo, args: ToolArgs, extra: ToolExtra, handler: ToolHandler): Promise<CallToolResult> {
    return this.#current.run(tool, args, extra, handler);
  }

  call(
    tool: ToolInfo,
    params: Readonly<Record<string, unknown>> | undefined,
    extra: ToolExtra,
    terminal: Next,
    unknown?: UnknownTarget,
  ): Promise<CallToolResult> {
    return this.#current.call(tool, params, extra, terminal, unknown);
  }

  handles(operation: Operation): boolean {
    return this.#current.handles(operation);
  }

  request(
    operation: Operation,
    params: Readonly<Record<string, unknown>> | undefined,
    target: string | undefined,
    extra: ToolExtra,
    handler: RequestHandler,
    unknown?: UnknownTarget,
  ): Promise<Result> {
    return this.#current.request(operation, params, target, extra, handler, unknown);
  }
}

/** A built pipeline and what closes it. */
export interface LoadedPipeline {
  readonly middlewares: Pipeline;
  close(): Promise<void>;
}

/** What the reloader needs from the command; `T` is what one load of the file builds. */
export interface ReloaderParts<T extends LoadedPipeline = LoadedPipeline> {
  /** The config file (for messages and the watch). */
  readonly file: string;
  /** Loads and builds the file; rejects with the reason it cannot be used. */
  load(): Promise<T>;
  /**
   * Puts what was built in service, all of it or (throwing) none of it; may return what else changed
   * (the front door, the exporter), said after the middleware count.
   */
  apply(next: T): string | undefined;
  /** One line on stderr. */
  log(line: string): void;
  /** How long calls on a replaced pipeline may run before its stores are closed. */
  readonly drainMs: number;
}

/** One line for a config that cannot be used: each problem as `path: message (file:line)`, or the message. */
export function oneLine(error: unknown): string {
  const problems = problemsOf(error) ?? problemsOf((error as { cause?: unknown } | undefined)?.cause);
  const text =
    problems === undefined
      ? error instanceof Error
        ? error.message
        : String(error)
      : problems.map((problem) => formatProblem(problem)).join('; ');
  return text.replace(/\s*\n\s*/g, '; ');
}

function problemsOf(error: unknown): readonly ConfigProblem[] | undefined {
  return error instanceof ConfigFileError ? error.problems : undefined;
}

/**
 * Re-reads the config file when asked (SIGHUP, or a change with `--watch`). Requests arriving during a
 * reload are merged into one more reload after it, so the last edit always wins. A file that cannot be
 * used leaves the running pipeline in place and says why on one line.
 */
export class Reloader<T extends LoadedPipeline = LoadedPipeline> {
  readonly #parts: ReloaderParts<T>;
  readonly #retired = new Set<LoadedPipeline>();
  #current: LoadedPipeline;
  #running: Promise<void> | undefined;
  #again = false;
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(parts: ReloaderParts<T>, initial: LoadedPipeline) {
    this.#parts = parts;
    this.#current = initial;
  }

  /** Reloads now (or once more after the reload under way); settles when the file's state is applied. */
  reload(reason: string): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let why = reason;
      do {
        this.#again = false;
        await this.#once(why);
        why = 'changed again during the reload';
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #once(reason: string): Promise<void> {
    const { file } = this.#parts;
    const log = (line: string): void => this.#parts.log(line);
    let next: T;
    try {
      next = await this.#parts.load();
    } catch (error) {
      log(`reload of ${file} (${reason}) refused, the running pipeline stays: ${oneLine(error)}`);
      return;
    }
    if (this.#closed) {
      await next.close().catch(() => undefined);
      return;
    }
    let also: string | undefined;
    try {
      also = this.#parts.apply(next);
    } catch (error) {
      await next.close().catch(() => undefined);
      log(`reload of ${file} (${reason}) refused, the running pipeline stays: ${oneLine(error)}`);
      return;
    }
    this.#retire(this.#current);
    this.#current = next;
    const count = next.middlewares.length;
    const what = `${count} middleware${count === 1 ? '' : 's'}${also === undefined ? '' : `, ${also}`}`;
    log(`reloaded ${file} (${reason}): ${what}; new calls take it`);
  }

  // Calls already running on the old pipeline may still use its stores: close them after the drain time.
  #retire(old: LoadedPipeline): void {
    this.#retired.add(old);
    setTimeout(() => {
      if (this.#retired.delete(old)) void old.close().catch(() => undefined);
    }, this.#parts.drainMs).unref();
  }

  /** Reloads when the file (or its `.local` override) changes; editors that replace the file are seen too. */
  watch(): void {
    const dir = dirname(this.#parts.file);
    const name = basename(this.#parts.file);
    const ext = extname(name);
    const local = `${basename(name, ext)}.local${ext}`;
    this.#watcher = watch(dir, { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name && changed !== local) return;
      clearTimeout(this.#debounce);
      this.#debounce = setTimeout(() => void this.reload('the file changed'), 100);
      this.#debounce.unref();
    });
    this.#watcher.on('error', (error) => {
      this.#parts.log(`stopped watching ${this.#parts.file}: ${error.message}; SIGHUP still reloads`);
    });
  }

  /** Stops watching and closes every pipeline it built or retired. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    clearTimeout(this.#debounce);
    await this.#running?.catch(() => undefined);
    const all = [...this.#retired, this.#current];
    this.#retired.clear();
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
  }
}
