/**
 * The one place the gateway reaches into the SDK's StdioClientTransport (a private field): it swaps the
 * transport's read buffer for one that hands on every JSON-RPC 2.0 request and response with an id one
 * can answer, whatever the rest of its shape. The SDK's own buffer drops what its schema refuses, so a malformed answer from a
 * stdio upstream left the call waiting for its timeout; ArrivalOrderTransport now fails that call at once,
 * and answers a malformed request from the upstream. Other messages are checked as the SDK checks them,
 * and a valid response skips a schema parse the Protocol repeats. stdio-client-reader.test.ts fails
 * loudly if an SDK release moves the field.
 */
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { isAnswerable } from './message-shapes.js';
import { MAX_LINE_BYTES, RawReadBuffer } from './stdio-lines.js';

/** Refuses, with the schema's own ZodError, what the SDK would drop, unless it is a JSON-RPC 2.0 message with an id. */
function checkedUnlessAnswerable(message: Record<string, unknown>): void {
  if (isAnswerable(message)) return;
  const parsed = JSONRPCMessageSchema.safeParse(message);
  if (!parsed.success) throw parsed.error;
}

/**
 * Gives `transport` (not started yet) the reader described above. False, and the SDK's reader kept, when
 * the transport no longer has the field this relies on.
 */
export function readAnswerableMessages(transport: StdioClientTransport, maxBytes = MAX_LINE_BYTES): boolean {
  const internals = transport as unknown as { _readBuffer?: { readMessage?: unknown } };
  if (typeof internals._readBuffer?.readMessage !== 'function') return false;
  internals._readBuffer = new RawReadBuffer(maxBytes, checkedUnlessAnswerable);
  return true;
}
