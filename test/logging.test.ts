// logging() on a real McpServer and Client, in the documented order behind tracing() and metrics(): one
// line per failed or rejected call, correlated with the call's real span, and no credential anywhere.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { MiddlewareError, principalKey, when, withMiddleware, type Middleware } from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { logging } from '@mcp-middleware/logging';
import { tracing } from '@mcp-middleware/tracing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

type Line = Record<string, unknown> & { level: number; msg: string; tool?: string };

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.sig-6b0d';
const PASSWORD = 'hunter2-0f5a';
const API_KEY = 'sk-live-93ce1a';

// What auth() does: resolve the caller from authInfo and keep only its id, never the token.
const authenticate: Middleware = (ctx, next) => {
  ctx.set(principalKey, { id: 'user-42', scopes: ['read'], roles: [], claims: {} });
  return next();
};

const forbid: Middleware = (ctx) => {
  ctx.emit({ type: 'reject', code: 'FORBIDDEN', source: 'auth' });
  return Promise.reject(new MiddlewareError('FORBIDDEN', 'tool `admin` needs scope admin'));
};

const raw: string[] = [];
const lines: Line[] = [];
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let connection: InMemoryConnection;

const linesOf = (tool: string): Line[] => lines.filter((line) => line.tool === tool);

beforeAll(async () => {
  const logger = pino(
    { level: 'info' },
    {
      write(text: string) {
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      },
    },
  );
  const server = new McpServer({ name: 'logging-it', version: '1.0.0' });
  withMiddleware(server, [
    tracing({ tracerProvider: provider }),
    logging({ logger, includeArgs: true, redact: ['card.number'] }),
    authenticate,
    when('admin', forbid),
  ]);
  server.registerTool('search', { inputSchema: { query: z.string() } }, ({ query }) => ({
    content: [{ type: 'text', text: `found ${query.length}` }],
  }));
  server.registerTool('read_file', { inputSchema: { path: z.string() } }, () => ({
    content: [{ type: 'text', text: 'no such file' }],
    isError: true,
  }));
  server.registerTool(
    'charge',
    { inputSchema: { card: z.object({ number: z.string() }), password: z.string(), apiKey: z.string() } },
    () => {
      throw new Error(`payment gateway refused Bearer ${TOKEN}`);
    },
  );
  server.registerTool('admin', {}, () => ({ content: [{ type: 'text', text: 'never' }] }));

  connection = await connectInMemory(server, {
    authInfo: { token: TOKEN, clientId: 'client-77', scopes: ['read'] },
  });
  const { client } = connection;
  await client.callTool({ name: 'search', arguments: { query: 'mcp' } });
  await client.callTool({ name: 'read_file', arguments: { path: '/missing' } });
  await client.callTool({
    name: 'charge',
    arguments: { card: { number: '4111111111111111' }, password: PASSWORD, apiKey: API_KEY },
  });
  await client.callTool({ name: 'admin' });
});

afterAll(async () => {
  await connection.close();
  await provider.shutdown();
});

describe('logging on a real McpServer', () => {
  it('writes no line for a successful call at the default level', () => {
    expect(linesOf('search')).toEqual([]);
  });

  it('writes one warn line for a tool that answers isError', () => {
    expect(linesOf('read_file')).toEqual([expect.objectContaining({ level: 40, outcome: 'tool_error' })]);
  });

  it('writes one error line for a handler that throws', () => {
    expect(linesOf('charge')).toEqual([expect.objectContaining({ level: 50, outcome: 'failed' })]);
  });

  it('writes one warn line with the code for a refused call', () => {
    expect(linesOf('admin')).toEqual([
      expect.objectContaining({ level: 40, outcome: 'rejected', code: 'FORBIDDEN' }),
    ]);
  });

  it('names the request, the principal and the duration on every line', () => {
    for (const line of lines) {
      expect(typeof line.requestId).toBe('number');
      expect(line.principalId).toBe('user-42');
      expect(typeof line.durationMs).toBe('number');
    }
  });

  it("carries the trace and span ids of the call's own span", () => {
    const span = exporter.getFinishedSpans().find((s) => s.name === 'tools/call admin');
    expect(span).toBeDefined();
    expect(linesOf('admin')[0]).toMatchObject({
      trace_id: span?.spanContext().traceId,
      span_id: span?.spanContext().spanId,
    });
  });

  it('redacts credentials and marked paths in the logged arguments', () => {
    expect(linesOf('charge')[0]?.args).toEqual({
      card: { number: '[redacted]' },
      password: '[redacted]',
      apiKey: '[redacted]',
    });
  });

  it('writes no token, password, API key or card number anywhere', () => {
    const output = raw.join('');
    for (const secret of [TOKEN, PASSWORD, API_KEY, '4111111111111111']) expect(output).not.toContain(secret);
  });
});
