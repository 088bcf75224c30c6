import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { MiddlewareError } from '@mcp-middleware/core';
import {
  asNotFound,
  cancelledError,
  outcomeOfError,
  outcomeOfResult,
  requestFailureOf,
} from '@mcp-middleware/core/helpers';
import { boundedErrorType, failureTypeOf } from './series.js';

const ctx = { operation: 'resources/read', target: 'docs://x' } as const;

// Every kind of thrown value a request can fail with.
const THROWN: readonly [string, () => unknown][] = [
  ['a refusal', () => new MiddlewareError('FORBIDDEN', 'no')],
  ['an internal error', () => new MiddlewareError('INTERNAL', 'bug')],
  ['a timeout', () => new MiddlewareError('TIMEOUT', 'slow')],
  ['a cancellation', () => cancelledError(ctx, new Error('gone'))],
  ['a hidden target', () => asNotFound(new MiddlewareError('FORBIDDEN', 'hidden'))],
  ['the SDK’s unknown resource', () => new McpError(-32602, 'Resource docs://x not found')],
  ['the SDK’s internal error', () => new McpError(-32603, 'broke')],
  ['a JSON-RPC code outside the label set', () => new McpError(-32002, 'gone')],
  ['params that failed the schema', () => Object.assign(new Error('bad'), { name: 'ZodError' })],
  ['a plain Error', () => new Error('boom')],
  ['a string', () => 'boom'],
];

describe('failureTypeOf', () => {
  it.each(THROWN)('labels %s as core’s request classifier names it', (_name, make) => {
    const error = make();
    expect(boundedErrorType(failureTypeOf(outcomeOfError(error)))).toBe(
      boundedErrorType(requestFailureOf(error, ctx).errorType),
    );
  });

  it('labels a tool’s own isError answer tool_error and the protocol escape of a tool call by its code', () => {
    const answer = { content: [{ type: 'text' as const, text: 'no' }], isError: true };
    expect(failureTypeOf(outcomeOfResult(answer))).toBe('tool_error');
    expect(failureTypeOf(outcomeOfError(new McpError(-32042, 'open this URL')))).toBe('-32042');
  });
});
