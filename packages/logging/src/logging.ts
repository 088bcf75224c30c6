/** logging(): one structured pino line per failed or rejected request (successes at debug), on stderr by default. */
import {
  ConfigError,
  type CallToolResult,
  type EventChannel,
  type Middleware,
  type MiddlewareEvent,
  type Next,
  type OptionReader,
  type RequestContext,
  type ToolContext,
} from '@mcp-middleware/core';
import { observeOutcome, reportCallbackError, type Outcome } from '@mcp-middleware/core/helpers';
import { redactSecrets } from '@mcp-middleware/core/redact';
import { pino, type Logger } from 'pino';
import { bounded, correlate, describeError, safeTarget } from './fields.js';
import { parsePaths, redactArgs } from './redact.js';
import { LOGGING_OPTIONS } from './declaration.js';
import { requestStep } from './request-step.js';

/** How a call ended, as its log line says in `outcome`. */
export type LogOutcome = 'success' | 'tool_error' | 'rejected' | 'failed' | 'input_required';

/** The level of each outcome's line (any level of the logger, or `silent` for none). */
export interface LogLevels {
  /** @default 'debug' */
  readonly success?: string | undefined;
  /** A tool answered `isError: true` on its own. @default 'warn' */
  readonly toolError?: string | undefined;
  /** A middleware refused or ended the call with a code (auth, limits, breaker, timeout…). @default 'warn' */
  readonly rejected?: string | undefined;
  /** An unknown error, or `INTERNAL`. @default 'error' */
  readonly failed?: string | undefined;
  /**
   * The tool asked the client for input (a 2026-07-28 `input_required` result; the client calls again).
   * Its `requestState` is never logged. @default 'debug'
   */
  readonly inputRequired?: string | undefined;
}

/** Options of {@link logging}. */
export interface LoggingOptions {
  /**
   * The pino logger to write to; its level, destination and redaction stay the user's.
   * @default a pino logger writing to stderr (fd 2), never stdout: a stdio server owns stdout
   */
  readonly logger?: Logger | undefined;
  /** Level of the default logger; set a given logger's level on that logger instead. @default 'info' */
  readonly level?: string | undefined;
  /** The level of each outcome's line. @default { success: 'debug', toolError: 'warn', rejected: 'warn', failed: 'error' } */
  readonly levels?: LogLevels | undefined;
  /** Add the call's arguments, redacted, to each line. @default false */
  readonly includeArgs?: boolean | undefined;
  /**
   * More argument paths to redact, dot-separated, `*` for any key or index (`card.number`, `items.*.ssn`).
   * Keys that name credentials (authorization, tokens, passwords, secrets, API keys, cookies) are always
   * redacted, at any depth.
   * @default []
   */
  readonly redact?: readonly string[] | undefined;
}

const MESSAGES: Readonly<Record<LogOutcome, string>> = {
  success: 'tool call completed',
  tool_error: 'tool returned an error',
  rejected: 'tool call rejected',
  failed: 'tool call failed',
  input_required: 'tool asked the client for input',
};
// Keeps a slow or stalled stderr reader from growing memory without bound; lines past it are dropped.
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

type LogMethod = (object: Record<string, unknown>, message: string) => void;

function defaultLogger(level: string): Logger {
  const destination = pino.destination({ dest: 2, sync: false, maxLength: MAX_BUFFERED_BYTES });
  // A broken stderr must never crash the server or fail a call: drop the line.
  destination.on('error', () => {});
  return pino({ level }, destination);
}

function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Logger).isLevelEnabled === 'function' &&
    typeof (value as Logger).child === 'function' &&
    typeof (value as { levels?: { values?: unknown } }).levels?.values === 'object'
  );
}

function kindOf(outcome: Outcome): LogOutcome {
  if (outcome.kind === 'success') return 'success';
  if (outcome.kind === 'tool_error') return 'tool_error';
  if (outcome.kind === 'input_required') return 'input_required';
  return outcome.code === undefined || outcome.code === 'INTERNAL' ? 'failed' : 'rejected';
}

/**
 * Logs each tool call as one structured line: `tool`, `outcome`, `code`, `durationMs`, `requestId`,
 * `sessionId`, `principalId`, and `trace_id`/`span_id` when tracing runs; every other request (lists,
 * reads, gets, completions) as one line with `method` and its `target` (redacted, bounded) instead of `tool`. Failures and rejections at
 * warn or error; successes at debug, so the success path at the default level only checks the level.
 * Never logs a token; a failing logger never fails a call; every error is rethrown unchanged.
 */
export function logging(options: LoggingOptions = {}): Middleware {
  const { values, reader } = LOGGING_OPTIONS.read(options);
  const read: OptionReader = reader; // annotated, so read.fail() ends control flow
  const given: unknown = values.logger;
  if (given !== undefined && !isLogger(given)) read.fail('logger', 'a pino logger');
  if (given !== undefined && read.has('level')) {
    throw new ConfigError(
      'level',
      'logging: level applies to the default logger; set it on the logger you pass',
    );
  }
  const level = values.level;
  const log: Logger = given ?? defaultLogger(level);
  const known = Object.keys(log.levels.values).concat('silent');
  const levelsRead = read.object('levels', ['success', 'toolError', 'rejected', 'failed', 'inputRequired']);
  const levelOf = (key: string, fallback: string): string =>
    levelsRead === undefined ? fallback : levelsRead.oneOf(key, known, fallback);
  const levels: Readonly<Record<LogOutcome, string>> = {
    success: levelOf('success', 'debug'),
    tool_error: levelOf('toolError', 'warn'),
    rejected: levelOf('rejected', 'warn'),
    failed: levelOf('failed', 'error'),
    input_required: levelOf('inputRequired', 'debug'),
  };
  const includeArgs = values.includeArgs;
  const redactOption: unknown = values.redact;
  if (
    redactOption !== undefined &&
    (!Array.isArray(redactOption) ||
      !redactOption.every((p) => typeof p === 'string' && p.split('.').every((s) => s !== '')))
  ) {
    read.fail('redact', 'an array of dot-separated argument paths');
  }
  const paths = parsePaths((redactOption as string[] | undefined) ?? []);
  const successLevel = levels.success;

  // A logger whose serializer, hook, mixin or destination throws never fails the call: the line is
  // dropped and one warning says so, again only after a call's line got through (the warning's own line
  // does not count), so a broken logger cannot flood the channel.
  let broken = false;
  function write(
    levelName: string,
    record: Record<string, unknown>,
    message: string,
    ctx: RequestContext | undefined,
    callLine = false,
  ): void {
    try {
      (log[levelName as 'info'] as LogMethod).call(log, record, message);
      if (callLine) broken = false;
    } catch (error) {
      if (broken) return;
      broken = true;
      reportCallbackError('logging', 'the logger (a serializer, hook or destination)', error, ctx);
    }
  }

  function enabled(levelName: string): boolean {
    try {
      return log.isLevelEnabled(levelName);
    } catch {
      return false;
    }
  }

  function callRecord(ctx: ToolContext, start: number): Record<string, unknown> {
    const record: Record<string, unknown> = {
      tool: bounded(ctx.tool.name),
      durationMs: Math.round((performance.now() - start) * 1000) / 1000,
      requestId: bounded(ctx.requestId),
    };
    correlate(record, ctx);
    if (includeArgs) record.args = redactArgs(ctx.args, paths);
    return record;
  }

  function logCall(ctx: ToolContext, start: number, outcome: Outcome): void {
    try {
      const kind = kindOf(outcome);
      const record = callRecord(ctx, start);
      record.outcome = kind;
      if (outcome.code !== undefined) record.code = outcome.code;
      const error = describeError(outcome.error, kind === 'failed');
      if (error !== undefined) record.error = error;
      write(levels[kind], record, MESSAGES[kind], ctx, true);
    } catch {
      // Building the line touched something broken (a span, a getter); the call goes on.
    }
  }

  const middleware = function logging(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const start = performance.now();
    return observeOutcome(next(), (outcome) => {
      // A success is logged only when its level is on; the level check is all the success path costs.
      if (outcome.kind !== 'success' || enabled(successLevel)) logCall(ctx, start, outcome);
    });
  };

  // The call an event belongs to: a tool call by its tool, any other request by its method and target.
  function baseOf(ctx: ToolContext | undefined): Record<string, unknown> {
    if (ctx === undefined) return {};
    if (ctx.operation === 'tools/call') {
      return { tool: bounded(ctx.tool.name), requestId: bounded(ctx.requestId) };
    }
    const target = ctx.target;
    return {
      method: bounded(ctx.operation),
      ...(target !== undefined && { target: safeTarget(target) }),
      requestId: bounded(ctx.requestId),
    };
  }

  function logEvent(event: MiddlewareEvent, ctx: ToolContext | undefined): void {
    const base = baseOf(ctx);
    switch (event.type) {
      case 'breaker':
        write(
          event.state === 'open' ? 'warn' : 'info',
          { ...base, tool: event.tool ?? base.tool, breaker: event.key, state: event.state },
          `circuit breaker ${event.state}`,
          ctx,
        );
        break;
      case 'retry':
        write(
          'debug',
          { ...base, attempt: event.attempt, delayMs: event.delayMs, code: event.code },
          ctx === undefined || ctx.operation === 'tools/call' ? 'retrying tool call' : 'retrying request',
          ctx,
        );
        break;
      case 'warning':
        write('warn', { ...base, source: event.source }, redactSecrets(event.message), ctx);
        break;
      case 'give-up':
      case 'reject':
      case 'cache':
      case 'timeout':
        // The call's own line reports these.
        break;
    }
  }

  return Object.assign(middleware, {
    requests: {
      '*': requestStep({
        levels: { success: successLevel, rejected: levels.rejected, failed: levels.failed },
        enabled,
        write: (level, record, message, ctx) => write(level, record, message, ctx, true),
      }),
    },
    // Once per channel: the runner guarantees it (core's attachOnce), so no guard here.
    attach(channel: EventChannel): void {
      channel.subscribe(logEvent);
    },
  });
}
