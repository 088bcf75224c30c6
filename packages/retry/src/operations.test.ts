import {
  ConfigError,
  MiddlewareError,
  createToolRunner,
  type MiddlewareEvent,
  type Result,
  type ToolExtra,
} from '@mcp-middleware/core';
import { manualClock, type ManualClock, createTestExtra } from '@mcp-middleware/core/testing';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { retry } from './retry.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });
const revoked = (() => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
})();
const contents = { contents: [{ uri: 'notes://1', text: 'a note' }] };

/** A read handler that throws `failures[i]` on call i + 1, then answers; counts its calls. */
function flakyRead(...failures: unknown[]) {
  let calls = 0;
  const handler = (): Promise<Result> => {
    calls++;
    return calls <= failures.length ? Promise.reject(failures[calls - 1]) : Promise.resolve(contents);
  };
  return { handler, calls: () => calls };
}

/** Settles `promise` while moving the manual clock; returns what it resolved or rejected with. */
async function drive(clock: ManualClock, promise: Promise<unknown>): Promise<unknown> {
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  for (let i = 0; i < 20 && clock.pending >= 0; i++) await clock.advance(100);
  return settled;
}

describe('retry() on resources/read and prompts/get', () => {
  it('heals a resource read that threw a transient error once', async () => {
    const clock = manualClock();
    const events: MiddlewareEvent[] = [];
    const runner = createToolRunner([retry({ backoff: () => 100 })], { clock });
    runner.events.subscribe((event) => events.push(event));
    const read = flakyRead(new Error('ECONNRESET'));
    const outcome = await drive(
      clock,
      runner.request('resources/read', {}, 'notes://1', extra(), read.handler),
    );
    expect(outcome).toEqual({ value: contents });
    expect(read.calls()).toBe(2);
    expect(events).toContainEqual({ type: 'retry', attempt: 2, delayMs: 100, code: '_OTHER' });
  });

  it('retries a prompt get although no tool annotation says it is safe', async () => {
    const clock = manualClock();
    const runner = createToolRunner([retry({ backoff: () => 100 })], { clock });
    const get = flakyRead(new MiddlewareError('UPSTREAM_ERROR', 'prompt store reset'));
    await drive(clock, runner.request('prompts/get', { name: 'greet' }, 'greet', extra(), get.handler));
    expect(get.calls()).toBe(2);
  });

  it('does not retry a read refused with a non-retryable code', async () => {
    const clock = manualClock();
    const runner = createToolRunner([retry({ backoff: () => 100 })], { clock });
    const read = flakyRead(new MiddlewareError('FORBIDDEN', 'no'));
    const outcome = (await drive(
      clock,
      runner.request('resources/read', {}, 'notes://1', extra(), read.handler),
    )) as { error: McpError };
    expect(read.calls()).toBe(1);
    expect(outcome.error).toBeInstanceOf(McpError);
  });

  it('retries a read that threw a revoked Proxy, as any unknown failure', async () => {
    const clock = manualClock();
    const runner = createToolRunner([retry({ backoff: () => 100 })], { clock });
    const read = flakyRead(revoked);
    const outcome = await drive(
      clock,
      runner.request('resources/read', {}, 'notes://1', extra(), read.handler),
    );
    expect(outcome).toEqual({ value: contents });
    expect(read.calls()).toBe(2);
  });

  it('does not retry the SDK answer to an unknown resource', async () => {
    const clock = manualClock();
    const runner = createToolRunner([retry({ backoff: () => 100 })], { clock });
    const read = flakyRead(new McpError(-32602, 'Resource notes://nope not found'));
    await drive(clock, runner.request('resources/read', {}, 'notes://nope', extra(), read.handler));
    expect(read.calls()).toBe(1);
  });

  it('ends a read at totalTimeoutMs with a TIMEOUT that names the resource', async () => {
    const clock = manualClock();
    const runner = createToolRunner([retry({ backoff: () => 100, totalTimeoutMs: 250 })], { clock });
    // The first attempt fails, the second hangs past the overall deadline.
    const read = (() => {
      let calls = 0;
      return (): Promise<Result> =>
        ++calls === 1 ? Promise.reject(new Error('down')) : new Promise<Result>(() => undefined);
    })();
    const outcome = (await drive(
      clock,
      runner.request('resources/read', {}, 'notes://1', extra(), read),
    )) as { error: McpError };
    expect(outcome.error.code).toBe(-32001);
    expect(outcome.error.message).toContain("resource `notes://1` did not answer within the call's overall");
  });

  it("leaves reads and gets alone with operations ['tools/call']", () => {
    const middleware = retry({ operations: ['tools/call'] });
    expect(middleware.requests).toBeUndefined();
    expect(createToolRunner([middleware]).handles('prompts/get')).toBe(false);
  });

  it('runs on reads only, skipping tool calls, when operations names only resources/read', () => {
    const runner = createToolRunner([retry({ operations: ['resources/read'] })]);
    expect(runner.handles('resources/read')).toBe(true);
    expect(runner.handles('prompts/get')).toBe(false);
  });

  it('refuses an unknown operation with a ConfigError naming the value and its path', () => {
    expect(() => retry({ operations: ['resources/list' as never] })).toThrow(ConfigError);
    expect(() => retry({ operations: ['resources/list' as never] })).toThrow(
      /retry: operations\[0\] must be one of .*got "resources\/list"/,
    );
    expect(() => retry({ operations: 'tools/call' as never })).toThrow(/operations must be a non-empty list/);
  });
});
