/**
 * Every request a client sends the gateway gets an answer. SDK 1.x drops a request whose shape its schema
 * refuses (params that are not an object, a progress token that is an object, a key JSON-RPC does not
 * have): the Protocol reports "Unknown message type" to `onerror` and the client waits for its own
 * timeout. The guard answers such a request at once with `-32600` naming the field, and hands every other
 * message on unchanged.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { requestFault } from './message-shapes.js';

/**
 * Puts the guard on `transport` (after the SDK Server has connected to it): a request the SDK would
 * drop is answered with `-32600` Invalid Request naming the field; every other message is handed on.
 */
export function guardRequests(transport: Transport, onerror?: (error: Error) => void): void {
  const next = transport.onmessage;
  if (next === undefined) return;
  transport.onmessage = (message, info) => {
    const fault = requestFault(message);
    if (fault === undefined) return next(message, info);
    const { id } = message as { id: string | number };
    const answer = { jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidRequest, message: fault } };
    transport.send(answer as JSONRPCMessage).catch((error: unknown) => {
      onerror?.(new Error(`Failed to answer an invalid request: ${String(error)}`, { cause: error }));
    });
  };
}
