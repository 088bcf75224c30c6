import {
  ConfigError,
  ERROR_META_KEY,
  createToolRunner,
  type MiddlewareEvent,
  type Result,
  type ToolExtra,
} from '@mcp-middleware/core';
import { manualClock, createTestExtra } from '@mcp-middleware/core/testing';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { circuitBreaker } from './circuit-breaker.js';
import { requestKey } from './keys.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });
const revoked = (() => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
})();
const down = (): Promise<Result> => Promise.reject(new Error('ECONNREFUSED'));
const errorOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );

function setup() {
  const breaker = circuitBreaker({ volumeThreshold: 2, errorThresholdPercentage: 50, clock: manualClock() });
  const runner = createToolRunner([breaker]);
  const events: MiddlewareEvent[] = [];
  runner.events.subscribe((event) => events.push(event));
  const read = (uri: string, handler: () => Promise<Result> = down): Promise<Result> =>
    runner.request('resources/read', { uri }, uri, extra(), handler);
  return { breaker, runner, events, read };
}

describe('circuitBreaker() on resources/read and prompts/get', () => {
  it('opens for a failing resource scheme and answers CIRCUIT_OPEN as a JSON-RPC error', async () => {
    const { breaker, read } = setup();
    for (let i = 0; i < 3; i++) await errorOf(read('notes://1'));
    let called = false;
    const error = await errorOf(
      read('notes://2', () => {
        called = true;
        return Promise.resolve({ contents: [] });
      }),
    );
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).message).toContain('resource `notes://2` is failing repeatedly');
    expect((error as McpError).data).toMatchObject({ [ERROR_META_KEY]: { code: 'CIRCUIT_OPEN' } });
    expect(breaker.states().get('resources/read notes:')).toBe('open');
    breaker.shutdown();
  });

  it('never names a resource URI in the breaker event', async () => {
    const { breaker, events, read } = setup();
    for (let i = 0; i < 3; i++) await errorOf(read(`notes://secret-${i}`));
    const opened = events.find((e) => e.type === 'breaker');
    expect(opened).toEqual({ type: 'breaker', key: 'resources/read notes:', tool: undefined, state: 'open' });
    breaker.shutdown();
  });

  it("keeps each scheme's breaker apart", async () => {
    const { breaker, read } = setup();
    for (let i = 0; i < 3; i++) await errorOf(read('https://a.example/x'));
    const fine = { contents: [{ uri: 'notes://x', text: 'ok' }] };
    await expect(read('notes://x', () => Promise.resolve(fine))).resolves.toBe(fine);
    breaker.shutdown();
  });

  it('does not count the SDK answer to an unknown resource against the origin', async () => {
    const { breaker, read } = setup();
    const unknown = (): Promise<Result> =>
      Promise.reject(new McpError(-32602, 'Resource notes://x not found'));
    for (let i = 0; i < 5; i++) await errorOf(read(`notes://nope-${i}`, unknown));
    expect(breaker.states().get('resources/read notes:')).toBe('closed');
    breaker.shutdown();
  });

  it('holds a bounded number of breakers for 10 000 distinct URIs', async () => {
    const { breaker, read } = setup();
    const ok = (): Promise<Result> => Promise.resolve({ contents: [] });
    for (let i = 0; i < 10_000; i++) await read(`notes://${i}/${i}?q=${i}`, ok);
    expect([...breaker.states().keys()]).toEqual(['resources/read notes:']);
    breaker.shutdown();
  });

  it('counts a read that threw a revoked Proxy as a failure, without throwing in the error filter', async () => {
    const { breaker, read } = setup();
    for (let i = 0; i < 3; i++) await errorOf(read('notes://1', () => Promise.reject(revoked)));
    expect(breaker.states().get('resources/read notes:')).toBe('open');
    breaker.shutdown();
  });

  it('keys a prompt get by the prompt name', async () => {
    const { breaker, runner } = setup();
    await errorOf(runner.request('prompts/get', { name: 'greet' }, 'greet', extra(), down));
    expect([...breaker.states().keys()]).toEqual(['prompts/get greet']);
    breaker.shutdown();
  });

  it("guards tool calls only with operations ['tools/call']", () => {
    const breaker = circuitBreaker({ operations: ['tools/call'] });
    expect(breaker.requests).toBeUndefined();
    expect(createToolRunner([breaker]).handles('resources/read')).toBe(false);
  });

  it('keeps states() and shutdown() when operations leaves tools/call out', () => {
    const breaker = circuitBreaker({ operations: ['prompts/get'] });
    expect(createToolRunner([breaker]).handles('prompts/get')).toBe(true);
    expect(breaker.states().size).toBe(0);
    breaker.shutdown();
  });

  it('refuses an unknown operation with a ConfigError naming it', () => {
    expect(() => circuitBreaker({ operations: ['completion/complete' as never] })).toThrow(ConfigError);
    expect(() => circuitBreaker({ operations: ['completion/complete' as never] })).toThrow(
      /circuitBreaker: operations\[0\] must be one of .*got "completion\/complete"/,
    );
  });
});

describe('requestKey', () => {
  it('keys a read by its scheme alone, lower-cased', () => {
    expect(requestKey({ operation: 'resources/read', target: 'HTTPS://api.example.com/a?b#c' })).toBe(
      'resources/read https:',
    );
    expect(requestKey({ operation: 'resources/read', target: 'notes://chosen-by-the-caller' })).toBe(
      'resources/read notes:',
    );
    expect(requestKey({ operation: 'resources/read', target: 'urn:isbn:123' })).toBe('resources/read urn:');
  });

  it('gives one key to every target that is not a URI', () => {
    expect(requestKey({ operation: 'resources/read', target: '../../x' })).toBe('resources/read ?');
    expect(requestKey({ operation: 'resources/read', target: undefined })).toBe('resources/read ?');
  });

  it('cuts a long prompt name to 128 characters, and gives an overlong scheme the non-URI key', () => {
    const long = 'p'.repeat(1000);
    expect(requestKey({ operation: 'prompts/get', target: long })).toBe(`prompts/get ${'p'.repeat(128)}`);
    expect(requestKey({ operation: 'resources/read', target: `${long}://x` })).toBe('resources/read ?');
  });
});
