/** The one mapping from an error to what the client sees, and the checks on what a pipeline returns. */
import type { CallToolResult } from './contract.js';
import { redactValue } from './redact-value.js';
import { ERROR_CODES, isMiddlewareError, isRetryable, type ErrorCode } from './errors.js';
import { redactText } from './redact.js';

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** The `_meta` key under which the machine-readable error detail travels. */
export const ERROR_META_KEY = 'io.github.mcp-middleware/error';

/** The machine-readable detail of a failed call, in `result._meta[ERROR_META_KEY]`. */
export interface ErrorDetail {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly data?: Readonly<Record<string, unknown>>;
}

const MAX_MESSAGE_LENGTH = 2000;

/**
 * Removes credentials from a message (core's one redaction, see `redactText`) and bounds its length to
 * 2000 characters: redacted first, then cut, so no half secret survives the cut.
 */
export function redactSecrets(message: string): string {
  return redactText(message, MAX_MESSAGE_LENGTH);
}

function messageOf(error: unknown): string {
  if (typeof error === 'string') return error;
  try {
    if (error instanceof Error) return String(error.message);
    // Bounded and redacted before it is written: a thrown object may be huge or hold credentials.
    return `non-Error value thrown: ${JSON.stringify(redactValue(error, { maxBytes: 2048 })) ?? String(error)}`;
  } catch {
    // instanceof, a getter or toJSON threw (a revoked Proxy, a hostile object): say only that much.
    return 'non-Error value thrown';
  }
}

/**
 * Turns any error into an `isError` tool result: text a model can act on, plus
 * `_meta["io.github.mcp-middleware/error"] = { code, retryable, retryAfterMs?, data? }`.
 * Unknown errors keep their message (secrets redacted) and get code `INTERNAL`; stacks never leave.
 * `retryable` is core's one classification (`isRetryable`, as in `outcomeOfError`): retry and
 * circuitBreaker treat the failure exactly as the client is told. Never throws, whatever was thrown.
 */
export function toToolResult(error: unknown): CallToolResult {
  let detail: ErrorDetail;
  try {
    detail = isMiddlewareError(error)
      ? {
          code: error.code,
          retryable: isRetryable(error),
          ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
          ...(error.data !== undefined && { data: error.data }),
        }
      : { code: 'INTERNAL', retryable: isRetryable(error) };
  } catch {
    // A branded value whose fields throw when read.
    detail = { code: 'INTERNAL', retryable: isRetryable(error) };
  }
  return {
    content: [{ type: 'text', text: redactSecrets(messageOf(error)) }],
    isError: true,
    _meta: { [ERROR_META_KEY]: detail },
  };
}

/**
 * Reads the error detail a result carries, if a middleware (here or upstream) produced it. A code outside
 * {@link ERROR_CODES} (an upstream server may send anything) is not a detail: labels and spans stay bounded.
 */
export function errorDetailOf(result: CallToolResult): ErrorDetail | undefined {
  const detail = result._meta?.[ERROR_META_KEY];
  return typeof detail === 'object' &&
    detail !== null &&
    KNOWN_CODES.has((detail as { code?: unknown }).code as string)
    ? (detail as ErrorDetail)
    : undefined;
}

/** True when `value` has the shape of a `CallToolResult` (a non-array object whose `content`, if any, is an array). */
export function isToolResult(value: unknown): value is CallToolResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const content = (value as { content?: unknown }).content;
  return content === undefined || Array.isArray(content);
}

/**
 * True for a 2026-07-28 `InputRequiredResult` (`resultType: "input_required"`): the server asks the
 * client for input (elicitation, sampling, roots) and expects the call again with `inputResponses`. Such a
 * result passes every middleware untouched: never cached, retried, validated or counted as a success.
 */
export function isInputRequired(result: unknown): boolean {
  return (
    typeof result === 'object' &&
    result !== null &&
    (result as { resultType?: unknown }).resultType === 'input_required'
  );
}

/** A short, secret-free description of a value, for error texts. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const content = (value as { content?: unknown }).content;
    return content === undefined ? 'an object' : `an object whose content is ${describeValue(content)}`;
  }
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'function') return 'a function';
  return typeof value === 'symbol' ? value.toString() : `${value as number | boolean | bigint | undefined}`;
}

/** SDK 1.x lets exactly this error escape a tool callback as a JSON-RPC error; we must not swallow it. */
export function isProtocolEscape(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === -32042;
}
