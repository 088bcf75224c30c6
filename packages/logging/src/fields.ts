/** The fields a log line shares across operations: bounded ids, a redacted target, the error, correlation. */
import { spanKey, type RequestContext } from '@mcp-middleware/core';
import { describeValue, principalIdOf } from '@mcp-middleware/core/helpers';
import { redactSecrets, redactText } from '@mcp-middleware/core/redact';

// Tool names and request ids come from the client (an unknown tool's name too): a line keeps 256 characters.
const MAX_ID_LENGTH = 256;
/** A request's target (a resource URI, a prompt name) keeps this many characters on a line, after redaction. */
export const MAX_TARGET_LENGTH = 1024;
const INVALID_TRACE_ID = '00000000000000000000000000000000';

/** A client-given string cut to 256 characters (then `…`); other values unchanged. */
export function bounded<T>(value: T): T | string {
  return typeof value === 'string' && value.length > MAX_ID_LENGTH
    ? `${value.slice(0, MAX_ID_LENGTH)}…`
    : value;
}

/**
 * What a request names, as a line may show it: URL userinfo, `token=…` parameters and other
 * credential shapes redacted (core's one redaction), then cut to {@link MAX_TARGET_LENGTH} characters.
 */
export function safeTarget(target: string): string {
  return redactText(target, MAX_TARGET_LENGTH);
}

/** A thrown value as a line's `error`: type and message redacted, the stack only when asked. */
export function describeError(error: unknown, withStack: boolean): Record<string, unknown> | undefined {
  if (error === undefined) return undefined;
  if (!(error instanceof Error)) {
    const text = typeof error === 'string' ? error : `non-Error value thrown: ${describeValue(error)}`;
    return { message: redactSecrets(text) };
  }
  const described: Record<string, unknown> = {
    type: redactSecrets(String(error.name)),
    message: redactSecrets(error.message),
  };
  if (withStack && error.stack !== undefined) described.stack = redactSecrets(error.stack);
  return described;
}

/** Adds `sessionId`, `principalId`, and `trace_id`/`span_id` of a recording span, to `record`. */
export function correlate(record: Record<string, unknown>, ctx: RequestContext): void {
  if (ctx.sessionId !== undefined) record.sessionId = bounded(ctx.sessionId);
  const principalId = principalIdOf(ctx);
  if (principalId !== undefined) record.principalId = bounded(principalId);
  const span = ctx.get(spanKey);
  if (span !== undefined) {
    const { traceId, spanId } = span.spanContext();
    if (traceId !== INVALID_TRACE_ID) {
      record.trace_id = traceId;
      record.span_id = spanId;
    }
  }
}
