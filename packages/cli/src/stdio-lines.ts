/**
 * The gateway's stdio front: newline-delimited JSON on stdin and stdout, as the SDK's StdioServerTransport
 * speaks it, but every JSON object read is handed on as sent. The SDK's transport parses each line with its
 * message schema and drops what the schema refuses, so a malformed request never reaches anything that
 * could answer it; here the session's guard (request-guard.ts) answers it, and the Protocol's own checks
 * still see everything else. It also spares each message a schema parse the Protocol repeats.
 */
import process from 'node:process';
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isPlainObject } from './plain.js';

/** The most bytes held for a line not yet complete, as the SDK's default. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;
const NEWLINE = 0x0a;

/** A line that is JSON, but not an object and so not a JSON-RPC message. */
export class NotJsonRpcError extends Error {
  override readonly name = 'NotJsonRpcError';
  constructor(line: string) {
    super(`A line on stdio is JSON but not a JSON-RPC message: ${line.slice(0, 80)}`);
  }
}

/**
 * The SDK ReadBuffer's contract (append, readMessage, clear) without its schema: `readMessage` returns the
 * next line's JSON object as sent, null when no whole line is buffered, and throws for a line that is not
 * a JSON object (the reader reports it and goes on with the next line).
 */
export class RawReadBuffer {
  readonly #maxBytes: number;
  readonly #accept: ((message: Record<string, unknown>) => void) | undefined;
  #buffer: Buffer | undefined;

  /** `accept`, when given, sees each object first and throws to refuse it (reported like a bad line). */
  constructor(maxBytes = MAX_LINE_BYTES, accept?: (message: Record<string, unknown>) => void) {
    this.#maxBytes = maxBytes;
    this.#accept = accept;
  }

  /** Adds a chunk; throws (and forgets what it held) when the unread bytes would pass the limit. */
  append(chunk: Buffer): void {
    if ((this.#buffer?.length ?? 0) + chunk.length > this.#maxBytes) {
      this.#buffer = undefined;
      throw new Error(`A message on stdio exceeded ${this.#maxBytes} bytes`);
    }
    this.#buffer = this.#buffer === undefined ? chunk : Buffer.concat([this.#buffer, chunk]);
  }

  readMessage(): JSONRPCMessage | null {
    for (;;) {
      const buffer = this.#buffer;
      const end = buffer?.indexOf(NEWLINE) ?? -1;
      if (buffer === undefined || end === -1) return null;
      const line = buffer.toString('utf8', 0, end > 0 && buffer[end - 1] === 0x0d ? end - 1 : end);
      this.#buffer = end + 1 === buffer.length ? undefined : buffer.subarray(end + 1);
      if (line.length === 0) continue;
      const message: unknown = JSON.parse(line);
      // Only an object can be a message (2025-11-25 has no batches); the guards and the Protocol check the rest.
      if (!isPlainObject(message)) throw new NotJsonRpcError(line);
      this.#accept?.(message);
      return message as JSONRPCMessage;
    }
  }

  clear(): void {
    this.#buffer = undefined;
  }
}

/** A server transport on a pair of streams (stdin/stdout by default), one JSON-RPC message per line. */
export class StdioLinesTransport implements Transport {
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #reader: RawReadBuffer;
  #started = false;

  constructor(input: Readable = process.stdin, output: Writable = process.stdout, maxBytes = MAX_LINE_BYTES) {
    this.#input = input;
    this.#output = output;
    this.#reader = new RawReadBuffer(maxBytes);
  }

  readonly #ondata = (chunk: Buffer): void => {
    try {
      this.#reader.append(chunk);
    } catch (error) {
      this.onerror?.(error as Error);
      void this.close();
      return;
    }
    for (;;) {
      try {
        const message = this.#reader.readMessage();
        if (message === null) return;
        this.onmessage?.(message);
      } catch (error) {
        this.onerror?.(error as Error);
      }
    }
  };

  readonly #onerror = (error: Error): void => this.onerror?.(error);

  start(): Promise<void> {
    if (this.#started) throw new Error('StdioLinesTransport already started');
    this.#started = true;
    this.#input.on('data', this.#ondata);
    this.#input.on('error', this.#onerror);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.#output.once('drain', resolve);
    });
  }

  close(): Promise<void> {
    this.#input.off('data', this.#ondata);
    this.#input.off('error', this.#onerror);
    // Pause stdin only when nothing else reads it, so the rest of the process keeps its data.
    if (this.#input.listenerCount('data') === 0) this.#input.pause();
    this.#reader.clear();
    this.onclose?.();
    return Promise.resolve();
  }
}
