/** How a failed request (not a tool call) ended, by what its client receives: one classifier for logs, spans and metrics. */
import type { RequestContext } from './contract.js';
import type { ErrorCode } from './errors.js';
import { errorTypeOf, outcomeOfError } from './outcome.js';
import { toRequestError } from './request-error.js';

/** A failed request, as the client sees it. */
export interface RequestFailure {
  /** `rejected`: the request was bad or a middleware refused it; `failed`: something broke. */
  readonly kind: 'rejected' | 'failed';
  /** The middleware code, when a middleware refused or failed the request. */
  readonly code: ErrorCode | undefined;
  /** The JSON-RPC code the client receives, when the answer carries one. */
  readonly jsonRpcCode: number | undefined;
  /** True when the error reaches the client unchanged: the SDK's own answer (an unknown name, bad params). */
  readonly sdkAnswer: boolean;
  /**
   * The OpenTelemetry `error.type`: the JSON-RPC code of the SDK's own answer (`"-32602"`), else the
   * middleware code (`FORBIDDEN`, `TIMEOUT`…), else `_OTHER`.
   */
  readonly errorType: string;
}

// JSON-RPC codes that say the request was bad (malformed, unknown method, unknown name, invalid params),
// not that the server broke.
const CLIENT_FAULTS: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602, -32002]);

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
// arrive as a ZodError (the client gets -32603, as from the bare server): the request was bad.
function isSchemaError(error: unknown): boolean {
  try {
    return error instanceof Error && (error.name === 'ZodError' || error.name === '$ZodError');
  } catch {
    return false;
  }
}

/**
 * What a thrown failure with middleware code `code` is: `failed` when something broke (no code, or
 * `INTERNAL`), `rejected` when a middleware refused or ended the call. Tool calls and requests alike.
 */
export function failureKindOf(code: ErrorCode | undefined): 'rejected' | 'failed' {
  return code === undefined || code === 'INTERNAL' ? 'failed' : 'rejected';
}

/**
 * Classifies what a request's pipeline rejected with, by what the client receives (`toRequestError`): an
 * error passed on unchanged is the SDK's own answer, a rejection when its code says the request was bad;
 * params that failed the SDK's schema are a rejection; otherwise a `MiddlewareError` other than
 * `INTERNAL` is a rejection and anything else a failure. The `error.type` follows the same reading, so
 * logs, spans and metrics name one failure alike. Never throws.
 */
export function requestFailureOf(
  error: unknown,
  ctx: Pick<RequestContext, 'operation' | 'target'>,
): RequestFailure {
  let answered: unknown;
  try {
    answered = toRequestError(error, ctx);
  } catch {
    answered = undefined;
  }
  const jsonRpcCode = integerCodeOf(answered);
  if (answered === error && jsonRpcCode !== undefined) {
    const kind = CLIENT_FAULTS.has(jsonRpcCode) ? 'rejected' : 'failed';
    return { kind, code: undefined, jsonRpcCode, sdkAnswer: true, errorType: String(jsonRpcCode) };
  }
  if (isSchemaError(error)) {
    return { kind: 'rejected', code: undefined, jsonRpcCode, sdkAnswer: false, errorType: '_OTHER' };
  }
  const outcome = outcomeOfError(error);
  const { code } = outcome;
  return {
    kind: failureKindOf(code),
    code,
    jsonRpcCode,
    sdkAnswer: false,
    errorType: errorTypeOf(outcome) ?? '_OTHER',
  };
}
