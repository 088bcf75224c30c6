/** logging()'s step for every request other than tools/call: one line per list, read, get or completion. */
import type { RequestContext, RequestHook } from '@mcp-middleware/core';
import { observeOutcome, requestFailureOf } from '@mcp-middleware/core/helpers';
import { bounded, correlate, describeError, safeTarget } from './fields.js';

/** How a request ended, as its line says in `outcome`. */
export type RequestOutcome = 'success' | 'rejected' | 'failed';

/** What the request step shares with the tool step of the same `logging()`. */
export interface LineEnv {
  /** The level of each outcome's line. */
  readonly levels: Readonly<Record<RequestOutcome, string>>;
  /** True when the logger writes `level` now (never throws). */
  enabled(level: string): boolean;
  /** Writes one line; a broken logger drops it and warns once (never throws). */
  write(level: string, record: Record<string, unknown>, message: string, ctx: RequestContext): void;
}

const MESSAGES: Readonly<Record<RequestOutcome, string>> = {
  success: 'request completed',
  rejected: 'request rejected',
  failed: 'request failed',
};

/**
 * The step for lists, reads, gets, completions and any other method: one line with `method`, `target`
 * (redacted, bounded; absent for lists), `durationMs`, `requestId`, the correlation fields, `outcome`,
 * and on failure `code`, `jsonRpcCode` and `error`. Never the params: they may hold credentials.
 */
export function requestStep(env: LineEnv): RequestHook {
  const successLevel = env.levels.success;

  function logRequest(ctx: RequestContext, start: number, failed: boolean, error: unknown): void {
    try {
      const record: Record<string, unknown> = { method: bounded(ctx.operation) };
      const target = ctx.target;
      if (target !== undefined) record.target = safeTarget(target);
      record.durationMs = Math.round((performance.now() - start) * 1000) / 1000;
      record.requestId = bounded(ctx.requestId);
      correlate(record, ctx);
      if (!failed) {
        record.outcome = 'success';
        env.write(successLevel, record, MESSAGES.success, ctx);
        return;
      }
      const failure = requestFailureOf(error, ctx);
      record.outcome = failure.kind;
      if (failure.code !== undefined) record.code = failure.code;
      if (failure.jsonRpcCode !== undefined) record.jsonRpcCode = failure.jsonRpcCode;
      const described = describeError(error, failure.kind === 'failed');
      if (described !== undefined) record.error = described;
      env.write(env.levels[failure.kind], record, MESSAGES[failure.kind], ctx);
    } catch {
      // Building the line touched something broken (a span, a getter); the request goes on.
    }
  }

  return function logging(ctx, next) {
    const start = performance.now();
    return observeOutcome(next(), (outcome) => {
      // Only a thrown value fails a request; whatever result it resolved with is its answer.
      if (outcome.kind === 'error' && outcome.result === undefined)
        logRequest(ctx, start, true, outcome.error);
      else if (env.enabled(successLevel)) logRequest(ctx, start, false, undefined);
    });
  };
}
