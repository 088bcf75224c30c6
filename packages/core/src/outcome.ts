/** The outcome classifier shared by resilience and observability: what happened to one call. */
import type { CallToolResult, Result } from './contract.js';
import { isMiddlewareError, isRetryable, type ErrorCode } from './errors.js';
import { errorDetailOf, isInputRequired } from './result.js';

/**
 * `success`: a normal result. `tool_error`: the tool answered `isError: true` (it worked, the answer is
 * "no"). `error`: something threw — a middleware rejection (with `code`) or an unknown failure (no code).
 * `input_required`: a 2026-07-28 `InputRequiredResult` — the tool asks the client for input and will be
 * called again; neither a success nor a failure, never cached or retried.
 */
export type OutcomeKind = 'success' | 'tool_error' | 'error' | 'input_required';

/** One call's outcome. Each middleware decides which outcomes count as failures. */
export interface Outcome {
  readonly kind: OutcomeKind;
  /** The middleware code, when a middleware produced the failure. */
  readonly code: ErrorCode | undefined;
  /**
   * May the call be tried again: the one classification (`isRetryable`) that `_meta.retryable` also
   * carries. A MiddlewareError says so itself; unknown thrown values count as transient (true); a result
   * carries it in its error detail; success and a tool's own `isError` answer are not retryable.
   */
  readonly retryable: boolean;
  readonly result: CallToolResult | undefined;
  readonly error: unknown;
}

const SUCCESS: Outcome = Object.freeze({
  kind: 'success',
  code: undefined,
  retryable: false,
  result: undefined,
  error: undefined,
});

const INPUT_REQUIRED: Outcome = Object.freeze({ ...SUCCESS, kind: 'input_required' });

/** Classifies a returned result. Success needs no allocation. */
export function outcomeOfResult(answer: CallToolResult | Result): Outcome {
  const result = answer as CallToolResult;
  if (result.isError !== true) return isInputRequired(result) ? INPUT_REQUIRED : SUCCESS;
  const detail = errorDetailOf(result);
  return {
    kind: detail === undefined ? 'tool_error' : 'error',
    code: detail?.code,
    // Relayed from anywhere (the gateway's upstream): only a literal true counts.
    retryable: detail?.retryable === true,
    result,
    error: undefined,
  };
}

/** Classifies a thrown value. Never throws, whatever was thrown (a revoked Proxy, a hostile getter). */
export function outcomeOfError(error: unknown): Outcome {
  let code: ErrorCode | undefined;
  if (isMiddlewareError(error)) {
    try {
      code = error.code;
    } catch {
      code = undefined;
    }
  }
  return { kind: 'error', code, retryable: isRetryable(error), result: undefined, error };
}

/**
 * The `error.type` of the OpenTelemetry MCP conventions: undefined on success, `tool_error` for an
 * `isError` answer, the middleware code for a rejection, `_OTHER` otherwise.
 */
export function errorTypeOf(outcome: Outcome): string | undefined {
  if (outcome.kind === 'success' || outcome.kind === 'input_required') return undefined;
  if (outcome.kind === 'tool_error') return 'tool_error';
  return outcome.code ?? '_OTHER';
}

/**
 * Passes `pending` (what `next()` returned) on unchanged, and tells `observe` how it ended: the result's
 * outcome, or the thrown value's. For observers (metrics, logging): the answer never depends on them, so
 * an observer that throws is reported as a process warning and the call goes on. A layer below that
 * resolves with a non-result counts as a success here; the runner answers it as INTERNAL.
 */
export function observeOutcome<R extends Result>(
  pending: Promise<R>,
  observe: (outcome: Outcome) => void,
): Promise<R> {
  return pending.then(
    (result) => {
      notify(observe, typeof result === 'object' && result !== null ? outcomeOfResult(result) : SUCCESS);
      return result;
    },
    (error: unknown) => {
      notify(observe, outcomeOfError(error));
      throw error;
    },
  );
}

function notify(observe: (outcome: Outcome) => void, outcome: Outcome): void {
  try {
    observe(outcome);
  } catch {
    process.emitWarning('an outcome observer threw; the call went on', 'McpMiddlewareWarning');
  }
}
