/** One downstream session: what the gateway tracks for it, and what its upstream connection declares. */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  LoggingLevelSchema,
  type ClientCapabilities,
  type LoggingLevel,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { attachLane, type CallHandler } from './downstream-lane.js';
import { guardRequests } from './request-guard.js';
import type { ToolTable } from './tool-table.js';
import type { UpstreamConnection } from './upstream.js';

/** A downstream session and what the gateway tracks for it. */
export interface Session {
  readonly server: Server;
  /** The level the client asked for with `logging/setLevel`; undefined means everything. */
  level: LoggingLevel | undefined;
  /** Ids of this client's requests the gateway is forwarding now. */
  readonly inFlight: Set<RequestId>;
  /** Resource URIs this client subscribed to. */
  readonly subscriptions: Set<string>;
  /** This session's own upstream connection (HTTP upstreams: one upstream session per client). */
  own: Promise<UpstreamConnection> | undefined;
  /** The tools its own connection lists (an upstream session may list its own). */
  table: ToolTable | undefined;
  closed: boolean;
  /** The `tools/call` handler its transport's lane takes plain calls to; undefined without tools. */
  lane: CallHandler | undefined;
}

/**
 * Connects `session`'s Server to `transport`, behind the guard that answers malformed requests, with the
 * `tools/call` lane in front when it has tools.
 */
export async function connectSession(session: Session, transport: Transport): Promise<void> {
  const { server } = session;
  await server.connect(transport);
  guardRequests(transport, (error) => server.onerror?.(error));
  if (session.lane !== undefined) attachLane(server, transport, session.lane);
}

/** What the gateway's shared connection declares: every client capability the hub can forward. */
export const FORWARDED_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};

/** The client's own capabilities, limited to those the hub forwards (so the upstream sees what it has). */
export function declaredUpstream(client: ClientCapabilities | undefined): ClientCapabilities {
  return {
    ...(client?.sampling !== undefined && { sampling: client.sampling }),
    ...(client?.elicitation !== undefined && { elicitation: client.elicitation }),
    ...(client?.roots !== undefined && { roots: client.roots }),
    ...(client?.experimental !== undefined && { experimental: client.experimental }),
  };
}

const SEVERITY = new Map(LoggingLevelSchema.options.map((level, index) => [level, index]));
/** A level's rank; undefined (no level asked for) ranks lowest, so it receives everything. */
export const severity = (level: LoggingLevel | undefined): number => SEVERITY.get(level ?? 'debug') ?? 0;

/** Creates a session record for `server`. */
export function newSession(server: Server): Session {
  return {
    server,
    level: undefined,
    inFlight: new Set(),
    subscriptions: new Set(),
    own: undefined,
    table: undefined,
    closed: false,
    lane: undefined,
  };
}
