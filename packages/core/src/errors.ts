/** One error taxonomy for every middleware: a stable code, retryability, and a cause. */

/** Every code a middleware may throw. Extend with care: clients match on these strings. */
export const ERROR_CODES = [
  'INVALID_ARGUMENTS',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'CONCURRENCY_LIMITED',
  'CIRCUIT_OPEN',
  'TIMEOUT',
  'CANCELLED',
  'UPSTREAM_ERROR',
  'OUTPUT_INVALID',
  'INTERNAL',
] as const;

/** A stable, machine-readable error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set([
  'RATE_LIMITED',
  'CONCURRENCY_LIMITED',
  'CIRCUIT_OPEN',
  'TIMEOUT',
  'UPSTREAM_ERROR',
]);

// A global symbol, so two installed copies of core recognise each other's errors.
const BRAND = Symbol.for('io.github.mcp-middleware/error');

/** Options of {@link MiddlewareError}. */
export interface MiddlewareErrorOptions {
  /** @default true for RATE_LIMITED, CONCURRENCY_LIMITED, CIRCUIT_OPEN, TIMEOUT, UPSTREAM_ERROR */
  readonly retryable?: boolean | undefined;
  /** When the caller may try again, in milliseconds. */
  readonly retryAfterMs?: number | undefined;
  /** Client-visible detail (sent in `_meta`): never put secrets, tokens or raw args here. */
  readonly data?: Readonly<Record<string, unknown>> | undefined;
  readonly cause?: unknown;
}

/** What a middleware throws to reject or fail a call; `toToolResult` turns it into what the client sees. */
export class MiddlewareError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: MiddlewareErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.retryAfterMs = options.retryAfterMs;
    this.data = options.data;
  }
}
Object.defineProperty(MiddlewareError.prototype, 'name', { value: 'MiddlewareError' });
Object.defineProperty(MiddlewareError.prototype, BRAND, { value: true });

/** The shape any copy of core's `MiddlewareError` has. */
export interface MiddlewareErrorLike extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly data: Readonly<Record<string, unknown>> | undefined;
}

/**
 * True for a `MiddlewareError` from any installed copy of core, optionally with the given code. Never
 * throws: a thrown value whose property reads throw (a revoked Proxy, a hostile getter) is not one.
 */
export function isMiddlewareError(error: unknown, code?: ErrorCode): error is MiddlewareErrorLike {
  if (typeof error !== 'object' || error === null) return false;
  try {
    return (
      (error as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (error as MiddlewareErrorLike).code === code)
    );
  } catch {
    return false;
  }
}

/**
 * The one answer to "may this failure be tried again?", used by `_meta.retryable`, `outcomeOfError` and
 * so by retry and circuitBreaker alike. A `MiddlewareError` says so itself (its `retryable`); anything
 * else a handler throws (an Error, a string, a hostile value) is an unknown failure, presumed transient,
 * except the SDK's own answer to a request that is wrong as sent (-32700, -32600, -32601, -32602).
 * Whether a retry actually runs is retry's decision: only for idempotent tools.
 */
export function isRetryable(error: unknown): boolean {
  if (!isMiddlewareError(error)) return !isCallerMistake(error);
  try {
    return error.retryable === true;
  } catch {
    return false;
  }
}

// JSON-RPC's own codes for a request that is wrong as sent (parse error, invalid request, unknown method,
// invalid params): the SDK raises them, and sending the same request again cannot succeed.
const CALLER_MISTAKES: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602]);

/** True for an SDK error that says the request itself is wrong (its JSON-RPC code is a caller mistake). */
export function isCallerMistake(error: unknown): boolean {
  try {
    if (typeof error !== 'object' || error === null) return false;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'number' && CALLER_MISTAKES.has(code);
  } catch {
    return false;
  }
}

/** An invalid option, thrown when a factory runs (never per call). `path` names the option. */
export class ConfigError extends Error {
  readonly path: string;

  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.path = path;
  }
}
Object.defineProperty(ConfigError.prototype, 'name', { value: 'ConfigError' });
