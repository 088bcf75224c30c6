/**
 * What a `requestState` of the MRTR bridge is bound to: the method of the request that returned it, what
 * that request names (a tool or prompt name, a resource URI) and a digest of its arguments. A retry resumes
 * the held request only when all three are its own (and, checked by the bridge, its caller is the one the
 * state was issued to); anything else is refused with -32602 `invalid_request_state`.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { isPlainObject } from './plain.js';

/** The requests whose upstream may ask the client for input mid-request (2026-07-28 lets them answer `input_required`). */
export const BRIDGED_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** What a held request's retry must match. */
export interface Binding {
  readonly method: string;
  /** The tool or prompt name, or the resource URI, as the client sent it. */
  readonly target: unknown;
  readonly digest: string;
}

/** The binding of `method` with `params`: a resource is named by its URI, a tool or prompt by its name. */
export function bindingOf(method: string, params: Readonly<Record<string, unknown>>): Binding {
  return {
    method,
    target: method === 'resources/read' ? params['uri'] : params['name'],
    digest: argumentsDigest(params['arguments']),
  };
}

/** True when `method` with `params` is the request `binding` was made for. */
export function matches(
  binding: Binding,
  method: string,
  params: Readonly<Record<string, unknown>>,
): boolean {
  const other = bindingOf(method, params);
  return (
    other.method === binding.method && other.target === binding.target && other.digest === binding.digest
  );
}

/** A digest of `value` as canonical JSON (object keys sorted), so the same arguments match in any key order. */
export function argumentsDigest(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value ?? {}, (_key, v: unknown) => (isPlainObject(v) ? sortedKeys(v) : v)))
    .digest('base64url');
}

function sortedKeys(object: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort()) sorted[key] = object[key];
  return sorted;
}

/** The JSON-RPC error for a `requestState` the gateway does not hold (unknown, used, expired, another caller's). */
export function unknownRequestState(holdMs: number): McpError {
  return invalidRequestState(
    `unknown or expired requestState: the gateway holds a request for ${holdMs} ms after it asks for input, ` +
      'accepts its requestState once and only from the caller it was issued to; send the request again ' +
      'without requestState and inputResponses to start over',
  );
}

/** The JSON-RPC error for a retry that is not the request its `requestState` was issued for. */
export function mismatchedRequestState(): McpError {
  return invalidRequestState(
    'requestState does not match this request: it was issued for another method, tool or prompt name, ' +
      'resource URI or other arguments; retry with the method, name or URI and arguments of the request ' +
      'that returned it, or send that request again without requestState and inputResponses to start over',
  );
}

function invalidRequestState(message: string): McpError {
  const error = new McpError(ErrorCode.InvalidParams, message, { reason: 'invalid_request_state' });
  error.message = message;
  return error;
}
