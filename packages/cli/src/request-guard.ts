/**
 * Every request a client sends the gateway gets an answer, and every request the gateway sends a client
 * (a forwarded sampling, elicitation or roots request) ends when the client answers. SDK 1.x drops a
 * message whose shape its schema refuses (params that are not an object, a progress token that is an
 * object, a key JSON-RPC does not have): the Protocol reports "Unknown message type" to `onerror`, and
 * whoever waits for an answer waits for a timeout. The guard answers such a request at once with `-32600`
 * naming the field, turns such an answer into an error for the request it answers, and hands every other
 * message on unchanged.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { inPlaceOfAnswer, invalidRequestAnswer, requestFault, responseFault } from './message-shapes.js';

/**
 * Puts the guard on `transport` (after the SDK Server has connected to it): a request the SDK would drop
 * is answered with `-32600` Invalid Request naming the field, an answer it would drop reaches it as a
 * `-32603` error saying what was wrong; every other message is handed on.
 */
export function guardRequests(transport: Transport, onerror?: (error: Error) => void): void {
  const next = transport.onmessage;
  if (next === undefined) return;
  transport.onmessage = (message, info) => {
    const answerFault = responseFault(message);
    if (answerFault !== undefined) return next(inPlaceOfAnswer(message, 'the client', answerFault), info);
    const fault = requestFault(message);
    if (fault === undefined) return next(message, info);
    transport.send(invalidRequestAnswer(message, fault)).catch((error: unknown) => {
      onerror?.(new Error(`Failed to answer an invalid request: ${String(error)}`, { cause: error }));
    });
  };
}
