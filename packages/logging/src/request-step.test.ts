import { McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  EventChannel,
  MiddlewareError,
  createToolRunner,
  defineMiddleware,
  principalKey,
  type Middleware,
  type RequestHandler,
  type ToolExtra,
} from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { asNotFound } from '@mcp-middleware/core/helpers';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { logging } from './logging.js';

type Line = Record<string, unknown> & { level: number; msg: string };

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

const extra = (): ToolExtra => createTestExtra({ requestId: 7, sessionId: 'session-1' });

const contents: RequestHandler = () => Promise.resolve({ contents: [] });

async function request(
  pipeline: Middleware[],
  operation: string,
  target: string | undefined,
  handler: RequestHandler = contents,
  events?: EventChannel,
): Promise<unknown> {
  const runner = createToolRunner(pipeline, events === undefined ? {} : { events });
  const params = target === undefined ? {} : { uri: target, password: 'p4ssw0rd' };
  return runner.request(operation, params, target, extra(), handler).catch((error: unknown) => error);
}

const refuse = (error: unknown): Middleware =>
  defineMiddleware('refuse', { requests: { '*': () => Promise.reject(error) } });

describe('logging() on other requests', () => {
  it('writes nothing for a successful request at the default info level', async () => {
    const { logger, lines } = capture('info');
    await request([logging({ logger })], 'resources/read', 'docs://readme');
    expect(lines).toEqual([]);
  });

  it('writes one debug line with the method, target, duration, ids and outcome at debug', async () => {
    const { logger, lines } = capture('debug');
    await request([logging({ logger })], 'resources/read', 'docs://readme');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 20,
      msg: 'request completed',
      method: 'resources/read',
      target: 'docs://readme',
      requestId: 7,
      sessionId: 'session-1',
      outcome: 'success',
    });
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(lines[0]).not.toHaveProperty('tool');
  });

  it('leaves the target out for a list', async () => {
    const { logger, lines } = capture('debug');
    await request([logging({ logger })], 'tools/list', undefined, () => Promise.resolve({ tools: [] }));
    expect(lines[0]).toMatchObject({ method: 'tools/list', outcome: 'success' });
    expect(lines[0]).not.toHaveProperty('target');
  });

  it('writes a warn line with the code and the JSON-RPC code for a middleware rejection', async () => {
    const { logger, lines } = capture();
    await request(
      [logging({ logger }), refuse(new MiddlewareError('FORBIDDEN', 'not for you'))],
      'resources/read',
      'docs://readme',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'request rejected',
      outcome: 'rejected',
      code: 'FORBIDDEN',
      jsonRpcCode: -32603,
      error: { type: 'MiddlewareError', message: 'not for you' },
    });
  });

  it('writes the line of a hidden target with its code and the not-found code the client got', async () => {
    const { logger, lines } = capture();
    await request(
      [logging({ logger }), refuse(asNotFound(new MiddlewareError('FORBIDDEN', 'hidden')))],
      'prompts/get',
      'admin',
    );
    expect(lines[0]).toMatchObject({ outcome: 'rejected', code: 'FORBIDDEN', jsonRpcCode: -32602 });
  });

  it('writes the SDK’s answer to a bad request (-32602) as a rejection without a code', async () => {
    const { logger, lines } = capture();
    const unknown: RequestHandler = () =>
      Promise.reject(new McpError(-32602, 'Resource docs://nope not found'));
    await request([logging({ logger })], 'resources/read', 'docs://nope', unknown);
    expect(lines[0]).toMatchObject({ level: 40, outcome: 'rejected', jsonRpcCode: -32602 });
    expect(lines[0]).not.toHaveProperty('code');
  });

  it('writes an error line with a redacted stack for a thrown error', async () => {
    const { logger, lines, raw } = capture();
    const broken: RequestHandler = () => Promise.reject(new Error('db down: password=hunter2'));
    await request([logging({ logger })], 'resources/read', 'docs://readme', broken);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'request failed',
      outcome: 'failed',
      jsonRpcCode: -32603,
      error: { type: 'Error', message: 'db down: password=[redacted]' },
    });
    expect(typeof (lines[0]?.error as { stack?: unknown }).stack).toBe('string');
    expect(raw.join('')).not.toContain('hunter2');
  });

  it('rethrows what it caught unchanged', async () => {
    const rejection = new MiddlewareError('RATE_LIMITED', 'slow down');
    const { logger } = capture();
    let seen: unknown;
    const outer = defineMiddleware('outer', {
      requests: {
        '*': (_ctx, next) =>
          next().catch((error: unknown) => {
            seen = error;
            throw error;
          }),
      },
    });
    await request([outer, logging({ logger }), refuse(rejection)], 'resources/read', 'docs://x');
    expect(seen).toBe(rejection);
  });

  it('uses the levels option for requests as for tool calls', async () => {
    const { logger, lines } = capture();
    await request(
      [logging({ logger, levels: { rejected: 'error' } }), refuse(new MiddlewareError('FORBIDDEN', 'no'))],
      'resources/read',
      'docs://readme',
    );
    expect(lines[0]?.level).toBe(50);
  });

  it('never writes the params, and redacts credentials in the target', async () => {
    const { logger, lines, raw } = capture('debug');
    await request(
      [logging({ logger })],
      'resources/read',
      'https://bob:hunter2@db.example/x?api_key=s3cr3t-value',
    );
    expect(lines).toHaveLength(1);
    const text = raw.join('');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('s3cr3t-value');
    expect(text).not.toContain('p4ssw0rd');
    expect(String(lines[0]?.target)).toContain('db.example');
  });

  it('keeps at most 1024 characters of a huge target', async () => {
    const { logger, lines } = capture('debug');
    await request([logging({ logger })], 'resources/read', `notes://${'a'.repeat(200_000)}`);
    expect(String(lines[0]?.target).length).toBeLessThanOrEqual(1025);
  });

  it('names the principal auth resolved', async () => {
    const { logger, lines } = capture('debug');
    const auth = defineMiddleware('auth', {
      requests: {
        '*': (ctx, next) => {
          ctx.set(principalKey, { id: 'ann', source: 'jwt', scopes: [], roles: [], claims: {} });
          return next();
        },
      },
    });
    await request([logging({ logger }), auth], 'prompts/get', 'greet', () =>
      Promise.resolve({ messages: [] }),
    );
    expect(lines[0]).toMatchObject({ method: 'prompts/get', target: 'greet', principalId: 'jwt:ann' });
  });

  it('reports an event of a request by its method and redacted target, never as a tool', async () => {
    const { logger, lines, raw } = capture('debug');
    const events = new EventChannel();
    const retrying = defineMiddleware('retrying', {
      requests: {
        '*': (ctx, next) => {
          ctx.emit({ type: 'retry', attempt: 1, delayMs: 5, code: 'TIMEOUT' });
          return next();
        },
      },
    });
    await request(
      [logging({ logger }), retrying],
      'resources/read',
      'https://bob:hunter2@db.example/x',
      contents,
      events,
    );
    const retry = lines.find((line) => line.msg === 'retrying request');
    expect(retry).toMatchObject({ method: 'resources/read', attempt: 1 });
    expect(retry).not.toHaveProperty('tool');
    expect(raw.join('')).not.toContain('hunter2');
  });
});
