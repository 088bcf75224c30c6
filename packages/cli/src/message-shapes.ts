/**
 * The shapes SDK 1.x's message schemas pass, checked by hand for the common case and by the schema for the
 * rest, and what to say about a message that fails them. The SDK drops a request or a response its schema
 * refuses ("Unknown message type" to `onerror`), so whoever waits for an answer waits for a timeout; the
 * gateway uses these to answer such a request at once (request-guard.ts, arrival-order.ts) and to fail the
 * request such a response answers (arrival-order.ts, upstream-lane.ts).
 */
import {
  ErrorCode,
  JSONRPCErrorResponseSchema,
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
  JSONRPCResultResponseSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import type { ZodError } from 'zod';
import { isPlainObject } from './plain.js';

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESPONSE_KEYS = new Set(['jsonrpc', 'id', 'result', 'error']);
const ERROR_KEYS = new Set(['code', 'message', 'data']);
const RELATED_TASK = 'io.modelcontextprotocol/related-task';
const SHAPE =
  'A request has jsonrpc "2.0", an id (a string or an integer), a method (a string) and optional params ' +
  '(an object, whose _meta.progressToken is a string or an integer), and no other keys.';

/** A string or an integer, as the SDK's RequestIdSchema and ProgressTokenSchema take them. */
const isIdLike = (value: unknown): boolean => typeof value === 'string' || Number.isSafeInteger(value);

/**
 * True when `message` is certainly what JSONRPCRequestSchema passes: the common shape, checked by hand so
 * that a valid request pays a few property reads. False means "ask the schema", not "invalid".
 */
export function surelyValid(message: Record<string, unknown>): boolean {
  if (message['jsonrpc'] !== '2.0' || !isIdLike(message['id'])) return false;
  if (typeof message['method'] !== 'string') return false;
  for (const key in message) if (!REQUEST_KEYS.has(key)) return false;
  const params = message['params'];
  if (params === undefined) return true;
  if (!isPlainObject(params)) return false;
  return surelyValidMeta(params['_meta']);
}

/** True when `meta` is certainly what the SDK's RequestMetaSchema passes (also a result's `_meta`). */
export function surelyValidMeta(meta: unknown): boolean {
  if (meta === undefined) return true;
  if (!isPlainObject(meta) || meta[RELATED_TASK] !== undefined) return false;
  return meta['progressToken'] === undefined || isIdLike(meta['progressToken']);
}

/** True when `message` is certainly what JSONRPCResponseSchema passes; false means "ask the schema". */
function surelyValidResponse(message: Record<string, unknown>): boolean {
  if (message['jsonrpc'] !== '2.0' || !isIdLike(message['id'])) return false;
  for (const key in message) if (!RESPONSE_KEYS.has(key)) return false;
  const { result, error } = message;
  // `in`, not `!== undefined`: the strict schema refuses a key that is there but undefined (in process).
  if ('result' in message)
    return !('error' in message) && isPlainObject(result) && surelyValidMeta(result['_meta']);
  if (!isPlainObject(error)) return false;
  for (const key in error) if (!ERROR_KEYS.has(key)) return false;
  return Number.isSafeInteger(error['code']) && typeof error['message'] === 'string';
}

/** True for an id one can answer: a string or a finite number (JSON-RPC allows fractions; the SDK does not). */
export function isAnswerableId(id: unknown): id is string | number {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/**
 * True when `message` claims to be JSON-RPC 2.0 and carries an id one can answer: a request to answer or a
 * response to settle, however malformed the rest. A line without `"jsonrpc": "2.0"` (a server's JSON log
 * line with an `id` field, say) is not one, and stays the schema's to refuse.
 */
export function isAnswerable(message: Record<string, unknown>): boolean {
  return message['jsonrpc'] === '2.0' && isAnswerableId(message['id']);
}

/** `field: what is wrong` for the first issue the schema found. */
function described(error: ZodError): string {
  const issue = error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? 'message' : issue.path.join('.');
  return `${field}: ${(issue?.message ?? 'not JSON-RPC 2.0').replace(/^Invalid input: /, '')}`;
}

/**
 * What is wrong with `message` as a request, for a client to read: the field and what to send instead;
 * undefined when it is a valid request, or not a request at all (no method, or no id one could answer).
 */
export function requestFault(message: unknown): string | undefined {
  if (!isPlainObject(message) || !('method' in message) || !('id' in message)) return undefined;
  if (!isAnswerableId(message.id) || surelyValid(message)) return undefined;
  const parsed = JSONRPCRequestSchema.safeParse(message);
  return parsed.success ? undefined : `Invalid request: ${described(parsed.error)}. ${SHAPE}`;
}

/**
 * What is wrong with `message` as a response, or undefined when it is a valid response or not a response
 * to a request one could name (it has a method, or is not {@link isAnswerable}).
 */
export function responseFault(message: unknown): string | undefined {
  if (!isPlainObject(message) || 'method' in message || !isAnswerable(message)) return undefined;
  if (surelyValidResponse(message)) return undefined;
  // The branch of the SDK's response union the message means, so the fault names a field, not the union.
  const schema = 'result' in message ? JSONRPCResultResponseSchema : JSONRPCErrorResponseSchema;
  const parsed = schema.safeParse(message);
  return parsed.success ? undefined : described(parsed.error);
}

/**
 * What a request is told in place of a malformed answer from `who` ("the upstream MCP server", "the
 * client"), `fault` as {@link responseFault} says it.
 */
export function malformedAnswer(who: string, fault: string): string {
  return `${who}'s answer is not a valid JSON-RPC response (${fault})`;
}

/** The `-32600` answer to `request`, whose fault {@link requestFault} found. */
export function invalidRequestAnswer(request: unknown, fault: string): JSONRPCMessage {
  const { id } = request as { id: string | number };
  return { jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidRequest, message: fault } };
}

/** The `-32603` error a request gets in place of `answer` from `who`, whose fault {@link responseFault} found. */
export function inPlaceOfAnswer(answer: unknown, who: string, fault: string): JSONRPCMessage {
  const { id } = answer as { id: string | number };
  return {
    jsonrpc: '2.0',
    id,
    error: { code: ErrorCode.InternalError, message: malformedAnswer(who, fault) },
  };
}

/** True for a `notifications/cancelled` the SDK's schema passes (one it would act on). */
export function isCancellation(message: unknown): boolean {
  if (!isPlainObject(message) || message['method'] !== 'notifications/cancelled') return false;
  return JSONRPCNotificationSchema.safeParse(message).success;
}
