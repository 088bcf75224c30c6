/** The upstream supervisor: holds the gateway's one shared upstream connection, restarts it, closes it. */
import { MiddlewareError, type Clock } from '@mcp-middleware/core';
import { sleep } from '@mcp-middleware/core/helpers';
import type { GatewayEvent, RestartOptions } from './options.js';
import { describeError, type UpstreamConnection } from './upstream.js';

/** Where the gateway is in its life. */
export type LifeState = 'ready' | 'restarting' | 'closing' | 'closed';

/** What the supervisor asks of the gateway. */
export interface SupervisorHooks {
  /** Opens a new connection (the first one, or a restart). */
  connect(): Promise<UpstreamConnection>;
  /** A new connection is live: wire its handlers, refresh what depends on it, tell the clients. */
  adopted(connection: UpstreamConnection, restart: boolean): Promise<void>;
  /** The upstream is gone for good: the gateway should stop, saying `message`. */
  gaveUp(message: string): void;
  emit(event: GatewayEvent): void;
  /** Calls in flight, for the `upstream-lost` event. */
  inFlight(): number;
}

/** Connects, restarts after a loss with capped exponential backoff, and closes the upstream connection. */
export class UpstreamSupervisor {
  readonly #hooks: SupervisorHooks;
  readonly #restart: Required<RestartOptions> | undefined;
  readonly #clock: Clock;
  readonly #label: string;
  readonly #lifetime = new AbortController();
  #state: LifeState = 'ready';
  #current: UpstreamConnection | undefined;
  #identity: UpstreamConnection | undefined;
  #retryAfterMs: number | undefined;

  constructor(
    hooks: SupervisorHooks,
    restart: Required<RestartOptions> | undefined,
    clock: Clock,
    label: string,
  ) {
    this.#hooks = hooks;
    this.#restart = restart;
    this.#clock = clock;
    this.#label = label;
  }

  get state(): LifeState {
    return this.#state;
  }

  /** The live connection, or undefined while the upstream is down or restarting. */
  get current(): UpstreamConnection | undefined {
    return this.#current;
  }

  /** The last connection's capabilities and identity: what new sessions mirror, even during a restart. */
  get identity(): UpstreamConnection | undefined {
    return this.#identity;
  }

  /** Taking new sessions: not shutting down, and connected at least once. */
  get accepting(): boolean {
    return (this.#state === 'ready' || this.#state === 'restarting') && this.#identity !== undefined;
  }

  /** Opens the first connection; rejects (closing it) when `adopted` fails. */
  async start(): Promise<UpstreamConnection> {
    const first = await this.#hooks.connect();
    try {
      await this.#adopt(first, false);
    } catch (error) {
      this.#current = undefined;
      await first.close().catch(() => undefined);
      throw error;
    }
    return first;
  }

  /** The error a call gets while there is no connection; says when to retry during a restart. */
  unavailable(name: string): MiddlewareError {
    const restarting = this.#state === 'restarting';
    return new MiddlewareError(
      'UPSTREAM_ERROR',
      restarting
        ? `the upstream MCP server is restarting; tool \`${name}\` was not called; retry in a few seconds`
        : `the upstream MCP server is not connected; tool \`${name}\` was not called`,
      { retryAfterMs: restarting ? this.#retryAfterMs : undefined },
    );
  }

  /** Stops restarting; the connection stays open until {@link closeConnection}. */
  beginClose(): void {
    this.#state = 'closing';
    this.#lifetime.abort();
  }

  /** Closes the live connection, if any, without treating it as lost. */
  async closeConnection(): Promise<void> {
    const connection = this.#current;
    this.#current = undefined;
    if (connection !== undefined) {
      connection.onlost = undefined;
      await connection.close().catch(() => undefined);
    }
    this.#state = 'closed';
  }

  async #adopt(connection: UpstreamConnection, restart: boolean): Promise<void> {
    connection.onlost = (reason) => void this.#lost(connection, reason);
    this.#current = connection;
    this.#identity = connection;
    await this.#hooks.adopted(connection, restart);
  }

  async #lost(connection: UpstreamConnection, reason: string): Promise<void> {
    if (connection !== this.#current) return;
    this.#current = undefined;
    this.#hooks.emit({ type: 'upstream-lost', reason, inFlight: this.#hooks.inFlight() });
    if (this.#state !== 'ready') return;
    const restart = this.#restart;
    if (restart === undefined) {
      this.#hooks.gaveUp(`upstream ${this.#label}: ${reason}`);
      return;
    }
    this.#state = 'restarting';
    if (await this.#reconnect(restart)) return;
    if (this.#lifetime.signal.aborted) return;
    this.#hooks.gaveUp(
      `upstream ${this.#label}: ${reason}; gave up after ${restart.maxAttempts} restart attempts`,
    );
  }

  /** Tries `maxAttempts` times; true once a connection is adopted or the gateway is closing. */
  async #reconnect(restart: Required<RestartOptions>): Promise<boolean> {
    for (let attempt = 1; attempt <= restart.maxAttempts; attempt++) {
      const delayMs = Math.min(restart.delayMs * 2 ** (attempt - 1), restart.maxDelayMs);
      this.#retryAfterMs = delayMs;
      this.#hooks.emit({ type: 'upstream-restarting', attempt, delayMs });
      try {
        await sleep(this.#clock, delayMs, this.#lifetime.signal);
      } catch {
        return true; // closing
      }
      let next: UpstreamConnection;
      try {
        next = await this.#hooks.connect();
      } catch (error) {
        this.#hooks.emit({ type: 'upstream-restart-failed', attempt, reason: describeError(error) });
        continue;
      }
      if (this.#lifetime.signal.aborted) {
        await next.close();
        return true;
      }
      this.#state = 'ready';
      await this.#adopt(next, true);
      return true;
    }
    return false;
  }
}
