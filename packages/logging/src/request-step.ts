/** logging()'s step for every request other than tools/call: one line per list, read, get or completion. */
import {
  outcomeOfError,
  toRequestError,
  type ErrorCode,
  type RequestContext,
  type RequestHook,
} from '@mcp-middleware/core';
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

// JSON-RPC codes that say the request was bad (malformed, unknown method, unknown name, invalid params),
// not that the server broke: the SDK answered, so the line is a rejection.
const CLIENT_FAULTS: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602, -32002]);

interface Failure {
  readonly kind: 'rejected' | 'failed';
  readonly code: ErrorCode | undefined;
  readonly jsonRpcCode: number | undefined;
}

function integerCodeOf(error: unknown): number | undefined {
  try {
    if (typeof error !== 'object' || error === null) return undefined;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

// SDK 1.x parses a request's params with zod inside the handler the pipeline wraps, so malformed params
// arrive here as a ZodError (the client gets -32603, as from the bare server): the request was bad.
function isSchemaError(error: unknown): boolean {
  try {
    return error instanceof Error && (error.name === 'ZodError' || error.name === '$ZodError');
  } catch {
    return false;
  }
}

/**
 * Classifies a failed request by what the client receives (core's `toRequestError`): an error passed on
 * unchanged is the SDK's own answer, a rejection when the request was bad; params that failed the SDK's
 * schema are a rejection; otherwise a `MiddlewareError` other than `INTERNAL` is a rejection and anything
 * else a failure. Never throws.
 */
export function requestFailureOf(error: unknown, ctx: Pick<RequestContext, 'operation' | 'target'>): Failure {
  let answered: unknown;
  try {
    answered = toRequestError(error, ctx);
  } catch {
    answered = undefined;
  }
  const jsonRpcCode = integerCodeOf(answered);
  if (answered === error && jsonRpcCode !== undefined) {
    return { kind: CLIENT_FAULTS.has(jsonRpcCode) ? 'rejected' : 'failed', code: undefined, jsonRpcCode };
  }
  if (isSchemaError(error)) return { kind: 'rejected', code: undefined, jsonRpcCode };
  const { code } = outcomeOfError(error);
  return { kind: code === undefined || code === 'INTERNAL' ? 'failed' : 'rejected', code, jsonRpcCode };
}

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
    let pending;
    try {
      pending = next();
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        if (env.enabled(successLevel)) logRequest(ctx, start, false, undefined);
        return result;
      },
      (error: unknown) => {
        logRequest(ctx, start, true, error);
        throw error;
      },
    );
  };
}
