/** logging(): one structured pino line per failed or rejected request (successes at debug), on stderr by default. */
import {
  ConfigError,
  type CallToolResult,
  type EventChannel,
  type Middleware,
  type Next,
  type OptionReader,
  type ToolContext,
} from '@mcp-middleware/core';
import { failureKindOf, outcomeOfError, outcomeOfResult, type Outcome } from '@mcp-middleware/core/helpers';
import type { Logger } from 'pino';
import { LOGGING_OPTIONS } from './declaration.js';
import { logEvent } from './event-lines.js';
import { bounded, correlate, describeError } from './fields.js';
import { defaultLogger, isLogger, LineWriter } from './line-writer.js';
import { parsePaths, redactArgs } from './redact.js';
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

type Values = ReturnType<typeof LOGGING_OPTIONS.read>['values'];

/** What one `logging()` resolved from its options, once, for every call it logs. */
interface CallLines {
  readonly writer: LineWriter;
  readonly levels: Readonly<Record<LogOutcome, string>>;
  readonly includeArgs: boolean;
  readonly paths: readonly (readonly string[])[];
}

// The user's logger, or the default one at `level` (which then only applies to the default).
function loggerOf(values: Values, read: OptionReader): Logger {
  const given: unknown = values.logger;
  if (given === undefined) return defaultLogger(values.level);
  if (!isLogger(given)) read.fail('logger', 'a pino logger');
  if (read.has('level')) {
    throw new ConfigError(
      'level',
      'logging: level applies to the default logger; set it on the logger you pass',
    );
  }
  return given;
}

// Each outcome's level, any level the logger knows (or `silent`).
function levelsOf(read: OptionReader, known: readonly string[]): Readonly<Record<LogOutcome, string>> {
  const levels = read.object('levels', ['success', 'toolError', 'rejected', 'failed', 'inputRequired']);
  const levelOf = (key: string, fallback: string): string =>
    levels === undefined ? fallback : levels.oneOf(key, known, fallback);
  return {
    success: levelOf('success', 'debug'),
    tool_error: levelOf('toolError', 'warn'),
    rejected: levelOf('rejected', 'warn'),
    failed: levelOf('failed', 'error'),
    input_required: levelOf('inputRequired', 'debug'),
  };
}

function redactPathsOf(value: unknown, read: OptionReader): readonly (readonly string[])[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    !value.every((p) => typeof p === 'string' && p.split('.').every((s) => s !== ''))
  ) {
    read.fail('redact', 'an array of dot-separated argument paths');
  }
  return parsePaths(value as string[]);
}

function resolve(options: LoggingOptions): CallLines {
  const { values, reader } = LOGGING_OPTIONS.read(options);
  const read: OptionReader = reader; // annotated, so read.fail() ends control flow
  const writer = new LineWriter(loggerOf(values, read));
  return {
    writer,
    levels: levelsOf(read, writer.levelNames()),
    includeArgs: values.includeArgs,
    paths: redactPathsOf(values.redact, read),
  };
}

// A thrown failure is a rejection or a failure by core's one rule, as on a request's line.
function kindOf(outcome: Outcome): LogOutcome {
  return outcome.kind === 'error' ? failureKindOf(outcome.code) : outcome.kind;
}

function callRecord(lines: CallLines, ctx: ToolContext, start: number): Record<string, unknown> {
  const record: Record<string, unknown> = {
    tool: bounded(ctx.tool.name),
    durationMs: Math.round((performance.now() - start) * 1000) / 1000,
    requestId: bounded(ctx.requestId),
  };
  correlate(record, ctx);
  if (lines.includeArgs) record.args = redactArgs(ctx.args, lines.paths);
  return record;
}

function logCall(lines: CallLines, ctx: ToolContext, start: number, outcome: Outcome): void {
  try {
    const kind = kindOf(outcome);
    const record = callRecord(lines, ctx, start);
    record.outcome = kind;
    if (outcome.code !== undefined) record.code = outcome.code;
    const error = describeError(outcome.error, kind === 'failed');
    if (error !== undefined) record.error = error;
    lines.writer.line(lines.levels[kind], record, MESSAGES[kind], ctx);
  } catch {
    // Building the line touched something broken (a span, a getter); the call goes on.
  }
}

// Core's success outcome (one frozen object), for a layer below that resolves with a non-result.
const SUCCESS: Outcome = outcomeOfResult({ content: [] });

// The tools/call step. A success is logged only when its level is on: the level check is all the success
// path costs. Its own `.then` rather than core's observeOutcome: two closures per call instead of three,
// and logCall and the writer never throw, so the observer needs no guard of its own.
function toolStep(lines: CallLines): Middleware {
  const successLevel = lines.levels.success;
  const writer = lines.writer;
  return function logging(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    const start = performance.now();
    return next().then(
      (result) => {
        // A layer below that resolves with a non-result counts as a success; the runner answers it.
        const answer: unknown = result;
        const outcome = typeof answer === 'object' && answer !== null ? outcomeOfResult(result) : SUCCESS;
        if (outcome.kind !== 'success' || writer.enabled(successLevel)) logCall(lines, ctx, start, outcome);
        return result;
      },
      (error: unknown) => {
        logCall(lines, ctx, start, outcomeOfError(error));
        throw error;
      },
    );
  };
}

/**
 * Logs each tool call as one structured line: `tool`, `outcome`, `code`, `durationMs`, `requestId`,
 * `sessionId`, `principalId`, and `trace_id`/`span_id` when tracing runs; every other request (lists,
 * reads, gets, completions) as one line with `method` and its `target` (redacted, bounded) instead of
 * `tool`. Failures and rejections at warn or error; successes at debug, so the success path at the default
 * level only checks the level. Never logs a token; a failing logger never fails a call; every error is
 * rethrown unchanged.
 */
export function logging(options: LoggingOptions = {}): Middleware {
  const lines = resolve(options);
  const { writer, levels } = lines;
  return Object.assign(toolStep(lines), {
    requests: {
      '*': requestStep({
        levels: { success: levels.success, rejected: levels.rejected, failed: levels.failed },
        writer,
      }),
    },
    // Once per channel: the runner guarantees it (core's attachOnce), so no guard here.
    attach(channel: EventChannel): void {
      channel.subscribe((event, ctx) => logEvent(writer, event, ctx));
    },
  });
}
