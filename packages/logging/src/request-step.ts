/** logging()'s step for every request other than tools/call: one line per list, read, get or completion. */
import type { RequestContext, RequestHook } from '@mcp-middleware/core';
import { observeOutcome, requestFailureOf } from '@mcp-middleware/core/helpers';
import { bounded, correlate, describeError, safeTarget } from './fields.js';
import type { LineWriter } from './line-writer.js';

/** How a request ended, as its line says in `outcome`. */
export type RequestOutcome = 'success' | 'rejected' | 'failed';

/** What the request step shares with the tool step of the same `logging()`. */
export interface LineEnv {
  /** The level of each outcome's line. */
  readonly levels: Readonly<Record<RequestOutcome, string>>;
  /** The one writer of that `logging()`: a broken logger drops the line and warns once. */
  readonly writer: LineWriter;
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
  const { levels, writer } = env;
  const successLevel = levels.success;

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
        writer.line(successLevel, record, MESSAGES.success, ctx);
        return;
      }
      const failure = requestFailureOf(error, ctx);
      record.outcome = failure.kind;
      if (failure.code !== undefined) record.code = failure.code;
      if (failure.jsonRpcCode !== undefined) record.jsonRpcCode = failure.jsonRpcCode;
      const described = describeError(error, failure.kind === 'failed');
      if (described !== undefined) record.error = described;
      writer.line(levels[failure.kind], record, MESSAGES[failure.kind], ctx);
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
      else if (writer.enabled(successLevel)) logRequest(ctx, start, false, undefined);
    });
  };
}
