import { ConfigError, createToolRunner, type Result, type ToolExtra } from '@mcp-middleware/core';
import { manualClock, createTestExtra } from '@mcp-middleware/core/testing';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { timeout } from './timeout.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });
const never = (): Promise<Result> => new Promise<Result>(() => undefined);

describe('timeout() on operations other than tools/call', () => {
  it('answers a resource read that outlives the deadline with -32001 naming the resource', async () => {
    const clock = manualClock();
    const runner = createToolRunner([timeout({ timeoutMs: 1000 })], { clock });
    const pending = runner.request('resources/read', { uri: 'notes://1' }, 'notes://1', extra(), never);
    const settled = pending.catch((error: unknown) => error);
    await clock.advance(1000);
    const error = await settled;
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32001);
    expect((error as McpError).message).toContain('resource `notes://1` did not answer within 1000 ms');
  });

  it('hands the prompt handler a signal that aborts at the deadline', async () => {
    const clock = manualClock();
    const runner = createToolRunner([timeout({ timeoutMs: 50 })], { clock });
    let signal: AbortSignal | undefined;
    const pending = runner
      .request('prompts/get', { name: 'greet' }, 'greet', extra(), (ctx) => {
        signal = ctx.signal;
        return never();
      })
      .catch(() => undefined);
    await clock.advance(50);
    await pending;
    expect(signal?.aborted).toBe(true);
  });

  it('passes a read that answers in time through unchanged', async () => {
    const runner = createToolRunner([timeout({ timeoutMs: 1000 })], { clock: manualClock() });
    const contents = { contents: [{ uri: 'notes://1', text: 'hi' }] };
    await expect(
      runner.request('resources/read', {}, 'notes://1', extra(), () => Promise.resolve(contents)),
    ).resolves.toBe(contents);
  });

  it("leaves reads and gets alone with operations ['tools/call']", () => {
    const middleware = timeout({ operations: ['tools/call'] });
    expect(middleware.requests).toBeUndefined();
    expect(createToolRunner([middleware]).handles('resources/read')).toBe(false);
  });

  it('skips tool calls when operations leaves tools/call out', () => {
    const runner = createToolRunner([timeout({ operations: ['resources/read'] })]);
    expect(runner.handles('resources/read')).toBe(true);
    expect(runner.handles('prompts/get')).toBe(false);
  });

  it('refuses an operation it cannot run on with a ConfigError naming it', () => {
    expect(() => timeout({ operations: ['tools/call', 'tools/list' as never] })).toThrow(ConfigError);
    expect(() => timeout({ operations: ['tools/call', 'tools/list' as never] })).toThrow(
      /operations\[1\] must be one of "tools\/call", "resources\/read", "prompts\/get", got "tools\/list"/,
    );
    expect(() => timeout({ operations: [] })).toThrow(/operations must be a non-empty list/);
    expect(() => timeout({ operations: ['prompts/get', 'prompts/get'] })).toThrow(
      /operations\[1\] must be listed once/,
    );
  });
});
