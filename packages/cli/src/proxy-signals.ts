/**
 * The proxy command's signals, heard from its first line on, before the config loads: SIGHUP re-reads the
 * config (one that comes while the gateway starts is applied once, after it is up), SIGTERM and SIGINT stop
 * it (while starting: as soon as the start settles, or at once when sent again).
 */
import type { CliIo } from './cli.js';
import type { Gateway } from './gateway.js';

/** What a SIGHUP reloads. */
export interface Reloadable {
  reload(reason: string): Promise<void>;
}

/** The signal handlers of one run of `mcp-middleware proxy`. */
export class ProxySignals {
  readonly #log: (line: string) => void;
  readonly #unlisten: (() => void)[] = [];
  #gateway: Gateway | undefined;
  #reloader: Reloadable | undefined;
  #reloadWhenUp = false;
  #stopping = false;
  #force: () => void = () => undefined;
  /** Resolves when a second SIGTERM/SIGINT asks to stop without waiting. */
  readonly forced: Promise<'forced'>;

  /** Listens from now on; SIGHUP only when `reloads` (without a config it keeps its default: stop). */
  constructor(io: CliIo, log: (line: string) => void, reloads: boolean) {
    this.#log = log;
    this.forced = new Promise((resolve) => (this.#force = () => resolve('forced')));
    this.#unlisten.push(io.onSignal((signal) => this.#stop(signal)));
    if (reloads && io.onReload !== undefined) this.#unlisten.push(io.onReload(() => this.#hangUp()));
  }

  /** True once SIGTERM or SIGINT came. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** The gateway is up: a stop asked for while it started closes it now, a SIGHUP meanwhile reloads once. */
  up(gateway: Gateway, reloader: Reloadable | undefined): void {
    this.#gateway = gateway;
    this.#reloader = reloader;
    if (this.#stopping) void gateway.close();
    else if (this.#reloadWhenUp) void reloader?.reload('SIGHUP');
  }

  /** Stops listening. */
  dispose(): void {
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
  }

  #hangUp(): void {
    if (this.#reloader !== undefined) {
      void this.#reloader.reload('SIGHUP');
      return;
    }
    if (this.#reloadWhenUp || this.#stopping) return;
    this.#reloadWhenUp = true;
    this.#log('SIGHUP while starting: the config is read again once the gateway is up');
  }

  #stop(signal: NodeJS.Signals): void {
    const gateway = this.#gateway;
    if (this.#stopping) {
      this.#log(`second ${signal}: stopping without waiting for calls in flight`);
      void gateway?.close({ drainTimeoutMs: 0 });
      this.#force();
      return;
    }
    this.#stopping = true;
    if (gateway === undefined) {
      this.#log(`${signal} received while starting: stopping once the start settles (again to stop at once)`);
      return;
    }
    this.#log(`${signal} received`);
    void gateway.close();
  }
}
