import {
  ConfigError,
  EventChannel,
  MiddlewareError,
  createToolRunner,
  principalKey,
  spanKey,
  type Middleware,
  type ToolExtra,
} from '@mcp-middleware/core';
import { createTestContext, createTestExtra, textResult } from '@mcp-middleware/core/testing';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { logging, type LoggingOptions } from './logging.js';

type Line = Record<string, unknown> & { level: number; msg: string };

/** A real pino logger whose output is parsed line by line into `lines`. */
function capture(level = 'info'): { logger: Logger; lines: Line[]; raw: string[] } {
  const lines: Line[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level },
    {
      write(text: string) {
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      },
    },
  );
  return { logger, lines, raw };
}

const TOKEN = 'tok_live_8f2c91d4e7';

const extra = (overrides: Partial<ToolExtra> = {}): ToolExtra =>
  createTestExtra({ requestId: 42, ...overrides });

async function run(
  pipeline: Middleware[],
  handler: () => ReturnType<typeof textResult> | Promise<ReturnType<typeof textResult>> = () =>
    textResult('ok'),
  options: { extra?: Partial<ToolExtra>; args?: Record<string, unknown>; events?: EventChannel } = {},
): Promise<void> {
  const runner = createToolRunner(pipeline, options.events === undefined ? {} : { events: options.events });
  await runner.run({ name: 'search' }, options.args ?? {}, extra(options.extra), handler);
}

const reject =
  (code: ConstructorParameters<typeof MiddlewareError>[0]): Middleware =>
  () =>
    Promise.reject(new MiddlewareError(code, `refused with ${code}`));

describe('logging', () => {
  it('writes nothing for a successful call at the default info level', async () => {
    const { logger, lines } = capture('info');
    await run([logging({ logger })]);
    expect(lines).toEqual([]);
  });

  it('writes one debug line for a successful call when the logger is at debug', async () => {
    const { logger, lines } = capture('debug');
    await run([logging({ logger })]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 20,
      msg: 'tool call completed',
      tool: 'search',
      outcome: 'success',
    });
    expect(lines[0]?.requestId).toBe(42);
    expect(typeof lines[0]?.durationMs).toBe('number');
  });

  it('writes one warn line with the code for a middleware rejection', async () => {
    const { logger, lines } = capture();
    await run([logging({ logger }), reject('RATE_LIMITED')]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, outcome: 'rejected', code: 'RATE_LIMITED', tool: 'search' });
    expect(lines[0]?.error).toEqual({ type: 'MiddlewareError', message: 'refused with RATE_LIMITED' });
  });

  it('writes one warn line for a tool that answers isError', async () => {
    const { logger, lines } = capture();
    await run([logging({ logger })], () => ({ ...textResult('no such file'), isError: true }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, outcome: 'tool_error', msg: 'tool returned an error' });
    expect(lines[0]).not.toHaveProperty('code');
  });

  it('writes one error line with the stack for an unknown error', async () => {
    const { logger, lines } = capture();
    await run([logging({ logger })], () => Promise.reject(new TypeError('x is not a function')));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, outcome: 'failed', msg: 'tool call failed' });
    expect((lines[0]?.error as { stack: string }).stack).toContain('TypeError: x is not a function');
  });

  it('counts INTERNAL as a failure, at error', async () => {
    const { logger, lines } = capture();
    await run([logging({ logger }), reject('INTERNAL')]);
    expect(lines[0]).toMatchObject({ level: 50, outcome: 'failed', code: 'INTERNAL' });
  });

  it('rethrows the very error object it saw', async () => {
    const { logger } = capture();
    const error = new MiddlewareError('FORBIDDEN', 'no');
    await expect(logging({ logger })(createTestContext(), () => Promise.reject(error))).rejects.toBe(error);
  });

  it('adds the session id and the principal id, and never the token', async () => {
    const { logger, lines, raw } = capture();
    const authenticate: Middleware = (ctx, next) => {
      ctx.set(principalKey, { id: 'user-17', scopes: [], roles: [], claims: {} });
      return next();
    };
    await run([logging({ logger }), authenticate, reject('FORBIDDEN')], undefined, {
      extra: { sessionId: 'session-3', authInfo: { token: TOKEN, clientId: 'app-9', scopes: [] } },
    });
    expect(lines[0]).toMatchObject({ sessionId: 'session-3', principalId: 'user-17' });
    expect(raw.join('')).not.toContain(TOKEN);
  });

  it('names the OAuth client as principal when no principal is set', async () => {
    const { logger, lines } = capture();
    await run([logging({ logger }), reject('FORBIDDEN')], undefined, {
      extra: { authInfo: { token: TOKEN, clientId: 'app-9', scopes: [] } },
    });
    expect(lines[0]?.principalId).toBe('client:app-9');
  });

  it('adds trace and span ids when tracing put a span in the context', async () => {
    const { logger, lines } = capture();
    const trace: Middleware = (ctx, next) => {
      ctx.set(spanKey, { spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) }) });
      return next();
    };
    await run([trace, logging({ logger }), reject('TIMEOUT')]);
    expect(lines[0]).toMatchObject({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) });
  });

  it('leaves out the ids of a span that is not recording (all zeros)', async () => {
    const { logger, lines } = capture();
    const trace: Middleware = (ctx, next) => {
      ctx.set(spanKey, { spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16) }) });
      return next();
    };
    await run([trace, logging({ logger }), reject('TIMEOUT')]);
    expect(lines[0]).not.toHaveProperty('trace_id');
  });

  it('removes credentials from error messages and stacks', async () => {
    const { logger, raw } = capture();
    await run([logging({ logger })], () =>
      Promise.reject(new Error(`upstream said 401 for Bearer ${TOKEN}`)),
    );
    expect(raw).toHaveLength(1);
    expect(raw.join('')).not.toContain(TOKEN);
  });

  it('leaves arguments out unless includeArgs is set', async () => {
    const { logger, lines } = capture();
    await run([logging({ logger }), reject('FORBIDDEN')], undefined, { args: { query: 'q' } });
    expect(lines[0]).not.toHaveProperty('args');
  });

  it('logs arguments with credentials and marked paths redacted when includeArgs is set', async () => {
    const { logger, lines, raw } = capture();
    const args = { query: 'q', apiKey: TOKEN, card: { number: '4111111111111111' } };
    await run(
      [logging({ logger, includeArgs: true, redact: ['card.number'] }), reject('FORBIDDEN')],
      undefined,
      {
        args,
      },
    );
    expect(lines[0]?.args).toEqual({ query: 'q', apiKey: '[redacted]', card: { number: '[redacted]' } });
    expect(raw.join('')).not.toContain('4111111111111111');
  });

  it('returns the result when the log destination throws', async () => {
    const logger = pino(
      { level: 'debug' },
      {
        write() {
          throw new Error('disk full');
        },
      },
    );
    const result = await logging({ logger })(createTestContext(), () => Promise.resolve(textResult('ok')));
    expect(result).toEqual(textResult('ok'));
  });

  it('rethrows the call error, not the logger error, when the destination throws', async () => {
    const logger = pino(
      {},
      {
        write() {
          throw new Error('disk full');
        },
      },
    );
    const error = new MiddlewareError('TIMEOUT', 'slow');
    await expect(logging({ logger })(createTestContext(), () => Promise.reject(error))).rejects.toBe(error);
  });

  it('follows a level change made on the logger after the factory ran', async () => {
    const { logger, lines } = capture('info');
    const middleware = logging({ logger });
    logger.level = 'debug';
    await run([middleware]);
    expect(lines).toHaveLength(1);
  });

  it('writes each outcome at the level the levels option gives it', async () => {
    const { logger, lines } = capture();
    await run([logging({ logger, levels: { rejected: 'error' } }), reject('RATE_LIMITED')]);
    expect(lines[0]?.level).toBe(50);
  });

  it("accepts the given logger's custom levels", async () => {
    const lines: Line[] = [];
    const logger = pino(
      { customLevels: { audit: 45 } },
      { write: (text: string) => lines.push(JSON.parse(text) as Line) },
    ) as unknown as Logger;
    await run([logging({ logger, levels: { rejected: 'audit' } }), reject('FORBIDDEN')]);
    expect(lines[0]?.level).toBe(45);
  });

  it('logs a circuit breaker opening at warn', async () => {
    const { logger, lines } = capture();
    const events = new EventChannel();
    await run([logging({ logger })], undefined, { events });
    events.emit({ type: 'breaker', key: 'search', tool: 'search', state: 'open' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'circuit breaker open', tool: 'search', state: 'open' }),
    ]);
  });

  it.each<[string, LoggingOptions | Record<string, unknown>]>([
    ['level', { level: 'loud' }],
    ['level', { logger: pino({}, { write: () => {} }), level: 'debug' }],
    ['logger', { logger: {} }],
    ['levels.success', { levels: { success: 'nope' } }],
    ['levels.succes', { levels: { succes: 'debug' } }],
    ['redact', { redact: 'password' }],
    ['redact', { redact: ['a..b'] }],
    ['includeArgs', { includeArgs: 'yes' }],
    ['loger', { loger: null }],
  ])('rejects a bad %s with a ConfigError naming it', (path, options) => {
    const { logger } = capture();
    const withLogger = 'logger' in options || 'level' in options ? options : { logger, ...options };
    expect(() => logging(withLogger as LoggingOptions)).toThrow(ConfigError);
    expect(() => logging(withLogger as LoggingOptions)).toThrow(expect.objectContaining({ path }));
  });
});
