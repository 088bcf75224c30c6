/** Where logging()'s lines go: one pino logger, guarded so that a broken logger never fails a call. */
import type { RequestContext } from '@mcp-middleware/core';
import { reportCallbackError } from '@mcp-middleware/core/helpers';
import { pino, type Logger } from 'pino';

// Keeps a slow or stalled stderr reader from growing memory without bound; lines past it are dropped.
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

type LogMethod = (object: Record<string, unknown>, message: string) => void;

/** A pino logger on stderr (fd 2), never stdout: a stdio server owns stdout. */
export function defaultLogger(level: string): Logger {
  const destination = pino.destination({ dest: 2, sync: false, maxLength: MAX_BUFFERED_BYTES });
  // A broken stderr must never crash the server or fail a call: drop the line.
  destination.on('error', () => {});
  return pino({ level }, destination);
}

/** True for a pino logger (checked by shape, so a second installed copy also passes). */
export function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Logger).isLevelEnabled === 'function' &&
    typeof (value as Logger).child === 'function' &&
    typeof (value as { levels?: { values?: unknown } }).levels?.values === 'object'
  );
}

/**
 * Writes lines to one logger. A logger whose serializer, hook, mixin or destination throws never fails
 * the call: the line is dropped and one warning says so, again only after a call's line got through (an
 * event's line, the warning's own included, does not count), so a broken logger cannot flood the channel.
 */
export class LineWriter {
  readonly #log: Logger;
  #broken = false;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** The level names the logger knows, and `silent`. */
  levelNames(): string[] {
    return Object.keys(this.#log.levels.values).concat('silent');
  }

  /** True when the logger writes `level` now; a logger that throws writes nothing. */
  enabled(level: string): boolean {
    try {
      return this.#log.isLevelEnabled(level);
    } catch {
      return false;
    }
  }

  /** Writes the line of a call or a request; one that gets through re-arms the warning. Never throws. */
  line(level: string, record: Record<string, unknown>, message: string, ctx: RequestContext): void {
    if (this.#write(level, record, message, ctx)) this.#broken = false;
  }

  /** Writes the line of an event (a breaker, a retry, a warning). Never throws. */
  note(
    level: string,
    record: Record<string, unknown>,
    message: string,
    ctx: RequestContext | undefined,
  ): void {
    this.#write(level, record, message, ctx);
  }

  #write(
    level: string,
    record: Record<string, unknown>,
    message: string,
    ctx: RequestContext | undefined,
  ): boolean {
    try {
      (this.#log[level as 'info'] as LogMethod).call(this.#log, record, message);
      return true;
    } catch (error) {
      if (!this.#broken) {
        this.#broken = true;
        reportCallbackError('logging', 'the logger (a serializer, hook or destination)', error, ctx);
      }
      return false;
    }
  }
}
