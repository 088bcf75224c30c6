/**
 * What the HTTP front door let in and is still open: every response on the MCP path (a 2025 GET stream, a
 * POST still streaming, a 2026 `subscriptions/listen` stream) and every 2025 session, each with the headers
 * it was admitted with. When a reload puts a door with other credentials in service, each is re-checked and
 * those the new door refuses are closed, so a revoked key stops hearing notifications at once. A response
 * admitted with a credential that expires (a JWT's `exp`, as the door's `authInfo.expiresAt`) is closed when
 * it expires: a stream cannot present a fresh token, so its client reconnects with one.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { FrontDoor } from './front-door.js';

// setTimeout's longest delay; an expiry further out is swept early and the timer armed again.
const LONGEST_DELAY_MS = 2 ** 31 - 1;

/** When the credential `res` was admitted with expires (ms since the epoch), if it does. */
function expiryOf(res: ServerResponse): number | undefined {
  const seconds = (res.req as { auth?: { expiresAt?: unknown } }).auth?.expiresAt;
  return typeof seconds === 'number' ? seconds * 1000 : undefined;
}

/** What a re-check found: how many responses were open and how many streams and sessions it closed. */
export interface Recheck {
  readonly open: number;
  readonly closedStreams: number;
  readonly closedSessions: number;
}

/** A 2025 session's transport: closing it ends its streams and its session. */
export interface SessionTransport {
  close(): Promise<void>;
}

/** A re-check that found nothing to do (no door, or the same credentials). */
export const NOTHING_RECHECKED: Recheck = { open: 0, closedStreams: 0, closedSessions: 0 };

/** The open responses and sessions the door admitted, and their re-check against a new door. */
export class AdmittedStreams {
  // Responses hold their request (`res.req`), whose headers carry the credential: no copy of a token is kept.
  readonly #open = new Set<ServerResponse>();
  readonly #sessions = new Map<SessionTransport, IncomingHttpHeaders>();
  // One listener shared by every response (no closure per request): 'close' calls it with the response.
  readonly #forget: (this: ServerResponse) => void;
  // One timer for all expiring credentials, armed for the earliest: a request pays one comparison.
  #nextExpiry = Infinity;
  #expiryTimer: NodeJS.Timeout | undefined;

  constructor() {
    const open = this.#open;
    this.#forget = function forget(this: ServerResponse): void {
      open.delete(this);
    };
  }

  /** Remembers `res` (with its request's credential) until it closes. */
  track(res: ServerResponse): void {
    this.#open.add(res);
    res.on('close', this.#forget);
    const expiry = expiryOf(res);
    if (expiry !== undefined && expiry < this.#nextExpiry) this.#armExpiry(expiry);
  }

  #armExpiry(at: number): void {
    this.#nextExpiry = at;
    clearTimeout(this.#expiryTimer);
    const delay = Math.min(LONGEST_DELAY_MS, Math.max(0, at - Date.now()));
    this.#expiryTimer = setTimeout(() => this.#expire(), delay).unref();
  }

  /** Closes every open response whose credential has expired, then arms the timer for the next. */
  #expire(): void {
    this.#nextExpiry = Infinity;
    this.#expiryTimer = undefined;
    const now = Date.now();
    let next = Infinity;
    for (const res of this.#open) {
      const expiry = expiryOf(res);
      if (expiry === undefined) continue;
      if (expiry > now) next = Math.min(next, expiry);
      else if (!res.writableEnded && !res.destroyed) res.destroy();
    }
    if (next !== Infinity) this.#armExpiry(next);
  }

  /** Remembers a 2025 session and the headers of the initialize request that opened it. */
  openSession(transport: SessionTransport, headers: IncomingHttpHeaders): void {
    this.#sessions.set(transport, headers);
  }

  closedSession(transport: SessionTransport): void {
    this.#sessions.delete(transport);
  }

  /**
   * Checks every open response and session against `door`; unless `stillInForce()` says a newer door came
   * meanwhile (its own re-check decides then), ends each session and closes each stream that `door` refuses.
   */
  async recheck(door: FrontDoor, stillInForce: () => boolean): Promise<Recheck> {
    const streams = [...this.#open];
    const sessions = [...this.#sessions];
    const [refusedStreams, refusedSessions] = await Promise.all([
      refusedBy(
        door,
        streams.map((res) => [res, res.req.headers] as const),
      ),
      refusedBy(door, sessions),
    ]);
    if (!stillInForce()) return { ...NOTHING_RECHECKED, open: streams.length };
    // A session ended answers 404 from now on: its next request cannot be served with the revoked identity.
    await Promise.all(refusedSessions.map((transport) => transport.close().catch(() => undefined)));
    // One that has ended meanwhile (its session's close ends its streams) keeps its connection for the next
    // request: only a response still open loses its connection.
    for (const res of refusedStreams) if (!res.writableEnded && !res.destroyed) res.destroy();
    return {
      open: streams.length,
      closedStreams: refusedStreams.length,
      closedSessions: refusedSessions.length,
    };
  }
}

/** The items whose headers `door` refuses (a check that throws refuses: the credential cannot be verified). */
async function refusedBy<T>(
  door: FrontDoor,
  items: readonly (readonly [T, IncomingHttpHeaders])[],
): Promise<T[]> {
  const passes = await Promise.all(items.map(([, headers]) => door.passes(headers).catch(() => false)));
  return items.filter((_, index) => passes[index] !== true).map(([item]) => item);
}
