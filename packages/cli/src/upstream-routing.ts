/**
 * Routing what an upstream connection sends unasked: list changes, logs and resource updates to the sessions
 * they concern, and server-to-client requests (sampling, elicitation, roots/list) to the session whose
 * request caused them, answered back upstream.
 */
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ResultSchema,
  type LoggingLevel,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { severity, type Session } from './session.js';
import type { SessionHub } from './session-hub.js';
import { rethrowUpstream } from './tool-call.js';
import type { UpstreamConnection } from './upstream.js';

type Forwardable = { method: string; params?: Record<string, unknown> | undefined };

const CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

// On the shared connection a log line belongs to the one session with requests in flight; sent while none
// waits on anything it is the server's own news, for every session on it; otherwise it cannot be placed.
function routeLog(
  hub: SessionHub,
  owner: Session | undefined,
  notification: ServerNotification & { params: { level: LoggingLevel } },
): void {
  const level = notification.params.level;
  const wants = (s: Session): boolean => severity(level) >= severity(s.level);
  const target = owner ?? hub.requester();
  if (target !== undefined) {
    if (wants(target)) hub.send(target, notification);
  } else if (!hub.busy()) {
    // Sent while no client waits on anything: the server's own news, for every client on it.
    for (const session of hub.sessions)
      if (session.own === undefined && wants(session)) hub.send(session, notification);
  }
}

/** Installs on `connection` the handlers that route what the upstream sends to the session it concerns. */
export function wireRouting(
  connection: UpstreamConnection,
  owner: Session | undefined,
  hub: SessionHub,
): void {
  const { client } = connection;
  const notify = (n: ServerNotification): void =>
    owner === undefined ? hub.broadcast(n, true) : hub.send(owner, n);
  const relist = (kind: 'prompts' | 'resources') => (n: ServerNotification) => {
    notify(n);
    if (owner === undefined) hub.listChanged(kind);
  };
  client.setNotificationHandler(ResourceListChangedNotificationSchema, relist('resources'));
  client.setNotificationHandler(PromptListChangedNotificationSchema, relist('prompts'));
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => routeLog(hub, owner, n));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    if (owner === undefined) hub.updated(n);
    else hub.send(owner, n);
  });
  const forward = (request: Forwardable, extra: { signal: AbortSignal }): Promise<never> =>
    forwardRequest(hub, owner ?? hub.requester(), request, extra.signal);
  // The SDK refuses a handler for a capability the connection did not declare.
  const { declared } = connection;
  if (declared.sampling !== undefined) client.setRequestHandler(CreateMessageRequestSchema, forward);
  if (declared.elicitation !== undefined) client.setRequestHandler(ElicitRequestSchema, forward);
  if (declared.roots !== undefined) client.setRequestHandler(ListRootsRequestSchema, forward);
}

/**
 * The error the gateway answers an upstream's request with. A plain error with a code: the SDK sends its
 * message as is, where an McpError's would carry an "MCP error -32603:" prefix that the upstream's SDK then
 * prefixes again when it hands the answer to its tool.
 */
export function answerError(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(message), { code });
}

async function forwardRequest(
  hub: SessionHub,
  target: Session | undefined,
  request: Forwardable,
  signal: AbortSignal,
): Promise<never> {
  if (target === undefined) {
    // A 2026-07-28 client's call on the shared connection: the bridge (mrtr-bridge.ts) did not take it.
    const why = hub.foreignInFlight
      ? `a 2026-07-28 client's call is in flight on the shared upstream connection; the gateway asks such a client with input_required only when the upstream is reached over HTTP and the client declares ${CAPABILITY[request.method] ?? request.method} in its _meta clientCapabilities, and while the bridge's cap on calls open at once (maxCallsPerPrincipal, maxCalls) is not reached: answer or abandon a pending input_required call, then try again`
      : 'several have requests in flight on one shared upstream connection';
    throw answerError(
      ErrorCode.InternalError,
      `the gateway cannot tell which of its clients ${request.method} is for: ${why}`,
    );
  }
  const related = [...target.inFlight].at(-1);
  const result = await target.server
    .request(request as never, ResultSchema, {
      signal,
      timeout: hub.requestTimeoutMs,
      ...(related !== undefined && { relatedRequestId: related }),
    })
    .catch(rethrowUpstream);
  return result as never;
}
