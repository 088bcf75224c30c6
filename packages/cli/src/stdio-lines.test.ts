import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StdioLinesTransport } from './stdio-lines.js';

/** A transport on two in-memory streams, and what it handed on, reported, and wrote. */
async function started(maxLineBytes?: number): Promise<{
  input: PassThrough;
  output: PassThrough;
  transport: StdioLinesTransport;
  messages: unknown[];
  errors: string[];
  closes: number[];
}> {
  const input = new PassThrough();
  const output = new PassThrough();
  const transport = new StdioLinesTransport(input, output, maxLineBytes);
  const messages: unknown[] = [];
  const errors: string[] = [];
  const closes: number[] = [];
  transport.onmessage = (message) => void messages.push(message);
  transport.onerror = (error) => void errors.push(error.message);
  transport.onclose = () => void closes.push(1);
  await transport.start();
  return { input, output, transport, messages, errors, closes };
}

/** Lets the stream deliver what was written to it. */
const flushed = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('StdioLinesTransport', () => {
  it('hands on one message per line, however the lines are cut into chunks', async () => {
    const { input, messages } = await started();
    const text =
      '{"jsonrpc":"2.0","id":1,"method":"a"}\n{"jsonrpc":"2.0","method":"b","params":{"s":"é€😀"}}\r\n';
    const bytes = Buffer.from(text);
    // Cut at every byte, so a cut falls inside each multi-byte character and each line break.
    for (let i = 0; i < bytes.length; i++) input.write(bytes.subarray(i, i + 1));
    await flushed();
    expect(messages).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'a' },
      { jsonrpc: '2.0', method: 'b', params: { s: 'é€😀' } },
    ]);
  });

  it('hands on a request the SDK schema refuses, as sent, for the guard to answer', async () => {
    const { input, messages, errors } = await started();
    input.write('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":[]}\n');
    await flushed();
    expect(messages).toEqual([{ jsonrpc: '2.0', id: 7, method: 'tools/call', params: [] }]);
    expect(errors).toEqual([]);
  });

  it.each([
    ['a line that is not JSON', 'not json'],
    ['a JSON array', '[{"jsonrpc":"2.0","id":1,"method":"a"}]'],
    ['a JSON string', '"tools/list"'],
    ['JSON null', 'null'],
  ])('reports %s and keeps reading the lines after it', async (_, line) => {
    const { input, messages, errors } = await started();
    input.write(`${line}\n{"jsonrpc":"2.0","id":2,"method":"ok"}\n`);
    await flushed();
    expect(errors).toHaveLength(1);
    expect(messages).toEqual([{ jsonrpc: '2.0', id: 2, method: 'ok' }]);
  });

  it('skips empty lines without a word', async () => {
    const { input, messages, errors } = await started();
    input.write('\n\r\n{"jsonrpc":"2.0","method":"n"}\n\n');
    await flushed();
    expect(messages).toEqual([{ jsonrpc: '2.0', method: 'n' }]);
    expect(errors).toEqual([]);
  });

  it('closes the session when a line outgrows the limit, saying so', async () => {
    const { input, messages, errors, closes } = await started(64);
    input.write(`{"jsonrpc":"2.0","method":"${'x'.repeat(100)}`);
    await flushed();
    expect(errors).toEqual(['A message on stdio exceeded 64 bytes']);
    expect(closes).toEqual([1]);
    input.write('{"jsonrpc":"2.0","method":"after"}\n');
    await flushed();
    expect(messages).toEqual([]);
  });

  it('writes each message as one line, waiting for drain when the stream is full', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    const output = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString());
        release = callback;
      },
    });
    const transport = new StdioLinesTransport(new PassThrough(), output);
    let sent = false;
    const sending = transport.send({ jsonrpc: '2.0', method: 'm' }).then(() => (sent = true));
    await flushed();
    expect(written).toEqual(['{"jsonrpc":"2.0","method":"m"}\n']);
    expect(sent).toBe(false);
    release?.();
    await sending;
    expect(sent).toBe(true);
  });

  it('pauses its input on close only when nothing else reads it', async () => {
    const alone = await started();
    await alone.transport.close();
    expect(alone.input.isPaused()).toBe(true);
    expect(alone.closes).toEqual([1]);
    const shared = await started();
    shared.input.on('data', () => undefined);
    await shared.transport.close();
    expect(shared.input.isPaused()).toBe(false);
  });

  it('refuses to start twice', async () => {
    const { transport } = await started();
    await expect(async () => transport.start()).rejects.toThrow('already started');
  });
});
