import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { readAnswerableMessages } from './stdio-client-reader.js';

// A child that writes one line of each kind, then waits to be closed.
const LINES = [
  { jsonrpc: '2.0', id: 1, result: [] },
  { jsonrpc: '2.0', id: 'q', method: 'roots/list', params: [] },
  { jsonrpc: '2.0', method: 'notifications/message', params: [] },
  { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'ok' } },
];
const SCRIPT = `for (const line of ${JSON.stringify([...LINES.map((l) => JSON.stringify(l)), 'not json', '42'])}) process.stdout.write(line + '\\n'); setInterval(() => {}, 1000);`;

describe('readAnswerableMessages', () => {
  it('reaches the SDK transport’s reader (fails when an SDK release moves it)', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: ['-e', SCRIPT] });
    expect(readAnswerableMessages(transport)).toBe(true);
    const messages: unknown[] = [];
    const errors: string[] = [];
    transport.onmessage = (message) => void messages.push(message);
    transport.onerror = (error) => void errors.push(error.name);
    await transport.start();
    await expect.poll(() => messages.length + errors.length).toBe(6);
    await transport.close();
    // The malformed response and request reach the transport's user, to be answered; the malformed
    // notification, a line that is not JSON and one that is not an object are reported as the SDK reports them.
    expect(messages).toEqual([LINES[0], LINES[1], LINES[3]]);
    expect(errors).toEqual(['ZodError', 'SyntaxError', 'NotJsonRpcError']);
  });

  it('keeps the SDK reader when the transport has no reader it knows', () => {
    const transport = new StdioClientTransport({ command: process.execPath });
    (transport as unknown as { _readBuffer: unknown })._readBuffer = undefined;
    expect(readAnswerableMessages(transport)).toBe(false);
  });
});
