/** The upstream tool handler over every form the host's connection comes in: at hand, promised, absent, failed. */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isMiddlewareError, MiddlewareError, type ToolContext } from '@mcp-middleware/core';
import { createTestContext } from '@mcp-middleware/core/testing';
import { upstreamToolHandler, type UpstreamHandlerHost } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

const ANSWER = { content: [{ type: 'text', text: 'hello' }] };

/** A connection whose client records what it was asked and answers at once. */
function fakeConnection(): {
  connection: UpstreamConnection;
  asked: { params: unknown; options: unknown }[];
} {
  const asked: { params: unknown; options: unknown }[] = [];
  const client = {
    request: (request: { params: unknown }, _schema: unknown, options: unknown) => {
      asked.push({ params: request.params, options });
      return Promise.resolve(ANSWER);
    },
  };
  return { connection: { client } as unknown as UpstreamConnection, asked };
}

const unavailable = (name: string): MiddlewareError =>
  new MiddlewareError('UPSTREAM_ERROR', `the upstream is down; tool \`${name}\` was not called`);

function handlerOver(connection: ReturnType<UpstreamHandlerHost['connection']>) {
  return upstreamToolHandler({ connection: () => connection, unavailable }, 1234);
}

const ctx = (): ToolContext => createTestContext({ tool: { name: 'echo' }, args: { text: 'hello' } });

describe('upstreamToolHandler', () => {
  it.each([
    ['at hand', (c: UpstreamConnection) => c],
    ['promised', (c: UpstreamConnection) => Promise.resolve(c)],
  ])(
    'forwards the call on a connection %s, with the pipeline signal and the request timeout',
    async (_, form) => {
      const { connection, asked } = fakeConnection();
      const call = ctx();
      await expect(handlerOver(form(connection))(call)).resolves.toBe(ANSWER);
      expect(asked).toEqual([
        {
          params: { name: 'echo', arguments: { text: 'hello' } },
          options: { timeout: 1234, signal: call.signal },
        },
      ]);
    },
  );

  it.each([
    ['at hand', undefined],
    ['promised', Promise.resolve(undefined)],
  ])('rejects with the host unavailable error when no connection is %s', async (_, none) => {
    const pending = handlerOver(none)(ctx());
    await expect(pending).rejects.toThrow('tool `echo` was not called');
  });

  it('turns a connection that fails to open into the pipeline error for it', async () => {
    const closed = Promise.reject(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'));
    const error: unknown = await handlerOver(closed)(ctx()).catch((e: unknown) => e);
    expect(isMiddlewareError(error, 'UPSTREAM_ERROR')).toBe(true);
  });
});
