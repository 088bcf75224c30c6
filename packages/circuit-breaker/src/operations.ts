/** The `operations` option: which requests circuitBreaker runs on, checked once when the factory runs. */
import { ConfigError, type OptionReader, type RequestContext } from '@mcp-middleware/core';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/** The requests circuitBreaker() can run on: a tool call, a resource read, a prompt get. */
export const OPERATIONS = ['tools/call', 'resources/read', 'prompts/get'] as const;

/** One of {@link OPERATIONS}. */
export type ResilientOperation = (typeof OPERATIONS)[number];

/** Reads `operations`: a non-empty list of {@link OPERATIONS}, without repeats. @default all three */
export function readOperations(reader: OptionReader): ReadonlySet<ResilientOperation> {
  const value = reader.raw('operations');
  if (value === undefined) return new Set(OPERATIONS);
  const expected = `a non-empty list of ${OPERATIONS.map((o) => `"${o}"`).join(', ')}`;
  if (!Array.isArray(value) || value.length === 0) reader.fail('operations', expected);
  const chosen = new Set<ResilientOperation>();
  (value as unknown[]).forEach((operation, i) => {
    const key = `operations[${i}]`;
    if (!OPERATIONS.includes(operation as ResilientOperation)) {
      const oneOf = `one of ${OPERATIONS.map((o) => `"${o}"`).join(', ')}`;
      // A method-like word is named (it is a typo, not a secret); anything else is only described.
      if (typeof operation === 'string' && METHOD_LIKE.test(operation)) {
        const path = reader.path(key);
        throw new ConfigError(path, `circuitBreaker: ${path} must be ${oneOf}, got "${operation}"`);
      }
      reader.fail(key, oneOf, operation);
    }
    if (chosen.has(operation as ResilientOperation)) reader.fail(key, 'listed once', operation);
    chosen.add(operation as ResilientOperation);
  });
  return chosen;
}

const MAX_TARGET = 128;
const METHOD_LIKE = /^[a-zA-Z/_-]{1,40}$/;

/** What a request names, for a message a model reads: "tool `search`", "resource `notes://1`". */
export function describeTarget(ctx: Pick<RequestContext, 'operation' | 'target'>): string {
  const target = ctx.target ?? '';
  const shown = target.length > MAX_TARGET ? `${target.slice(0, MAX_TARGET)}…` : target;
  if (ctx.operation === 'resources/read') return `resource \`${shown}\``;
  if (ctx.operation === 'prompts/get') return `prompt \`${shown}\``;
  return `tool \`${shown}\``;
}

// JSON-RPC errors about the request itself: retrying cannot fix them and they say nothing of the dependency.
const CLIENT_ERROR_CODES: ReadonlySet<unknown> = new Set([
  ErrorCode.ParseError,
  ErrorCode.InvalidRequest,
  ErrorCode.MethodNotFound,
  ErrorCode.InvalidParams,
]);

/**
 * True for the SDK's answer to a bad request (an unknown resource or prompt, malformed params): core counts
 * any error it does not know as transient, but a caller asking for `notes://nope` must neither be retried
 * nor open the breaker every other read of `notes://` shares. Never throws, whatever was thrown.
 */
export function isClientRequestError(error: unknown): boolean {
  try {
    return error instanceof McpError && CLIENT_ERROR_CODES.has(error.code);
  } catch {
    return false;
  }
}
