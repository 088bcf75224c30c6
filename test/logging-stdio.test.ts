// A real stdio MCP server in a child process, wrapped with logging() at debug on its default logger:
// stdout must carry only JSON-RPC, and the log lines must arrive on stderr.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeRequest } from './fixtures/raw-initialize.js';

// Runs from test/, so the workspace packages resolve to their TypeScript sources (tsx compiles them).
const SERVER = `
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { MiddlewareError, withMiddleware } from '@mcp-middleware/core';
import { logging } from '@mcp-middleware/logging';
import { z } from 'zod';

const server = new McpServer({ name: 'stdio-logging', version: '1.0.0' });
withMiddleware(server, [logging({ level: 'debug' })]);
server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
  content: [{ type: 'text', text }],
}));
server.registerTool('fail', {}, () => {
  throw new Error('database said password=hunter2-stdio is wrong');
});
server.registerTool('refuse', {}, () => {
  throw new MiddlewareError('RATE_LIMITED', 'slow down');
});
await server.connect(new StdioServerTransport());
`;

interface Exchange {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

const requests = [
  initializeRequest({ name: 'stdio-test', version: '1.0.0' }),
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello' } } },
  { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'fail', arguments: {} } },
  { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'refuse', arguments: {} } },
];

/** Starts the server, sends every request once the previous answer came, closes stdin, collects both streams. */
function exchange(): Promise<Exchange> {
  const child = spawn(
    process.execPath,
    ['--conditions=@mcp-middleware/source', '--import', 'tsx', '--input-type=module', '--eval', SERVER],
    { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let sent = 0;
  const sendUntilAnswerNeeded = (): void => {
    while (sent < requests.length) {
      const request = requests[sent++] as { id?: number };
      child.stdin.write(`${JSON.stringify(request)}\n`);
      if (request.id !== undefined) return;
    }
    child.stdin.end();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const answeredBefore = stdout.split('\n').length - 1;
    stdout += chunk;
    const answered = stdout.split('\n').length - 1;
    for (let i = answeredBefore; i < answered; i++) sendUntilAnswerNeeded();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  sendUntilAnswerNeeded();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the stdio server did not finish; stderr: ${stderr}`));
    }, 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

let result: Exchange;
let logLines: Record<string, unknown>[];

beforeAll(async () => {
  result = await exchange();
  logLines = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}, 20_000);

describe('logging in a stdio MCP server', () => {
  it('exits cleanly once the client closes stdin', () => {
    expect(result.code).toBe(0);
  });

  it('writes only JSON-RPC messages to stdout, one per line', () => {
    const lines = result.stdout.split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(() => JSONRPCMessageSchema.parse(JSON.parse(line))).not.toThrow();
    expect(lines.map((line) => (JSON.parse(line) as { id?: number }).id)).toEqual([1, 2, 3, 4]);
  });

  it('writes the debug line of a successful call to stderr', () => {
    expect(logLines).toContainEqual(
      expect.objectContaining({ level: 20, tool: 'echo', outcome: 'success', requestId: 2 }),
    );
  });

  it('writes the lines of a failed and a refused call to stderr', () => {
    expect(logLines).toContainEqual(expect.objectContaining({ level: 50, tool: 'fail', outcome: 'failed' }));
    expect(logLines).toContainEqual(
      expect.objectContaining({ level: 40, tool: 'refuse', outcome: 'rejected', code: 'RATE_LIMITED' }),
    );
  });

  it('keeps the password in the error message out of the log', () => {
    expect(result.stderr).not.toContain('hunter2-stdio');
  });
});
