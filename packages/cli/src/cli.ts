/** runCli(): the `mcp-middleware` command, returning its exit code (bin.ts only adds the process). */
// Only what --help and bad usage need is imported up front; the pipeline, the SDK and prom-client load when
// a command runs, so `mcp-middleware --help` answers in a fraction of the time.
import { CHECK_HELP, MAIN_HELP, PROXY_HELP, SCHEMA_HELP, parseCommand, type ProxyArgs } from './args.js';
import { releaseHangup } from './early-hangup.js';
import { CliError, EXIT_CODES, GatewayError } from './errors.js';
import type { Gateway } from './gateway.js';
import type * as GatewayModule from './gateway.js';
import type { GatewayEvent, GatewayOptions } from './options.js';
import type { ProxyGeneration } from './proxy-config.js';
import { ProxySignals } from './proxy-signals.js';
import type { Reloader, ReloaderParts } from './reload.js';

/** Where the command writes and how it hears signals; tests pass their own. */
export interface CliIo {
  /** Help, version and schema output only; never used while proxying over stdio. */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Calls `handler` on SIGTERM and SIGINT; returns a function that stops listening. */
  readonly onSignal: (handler: (signal: NodeJS.Signals) => void) => () => void;
  /**
   * Calls `handler` on SIGHUP (re-read the config), once at once for one heard before; returns a function
   * that stops listening. @default none
   */
  readonly onReload?: ((handler: () => void) => () => void) | undefined;
  /** Gives SIGHUP its default action (stop) back, for a command that does not reload. @default none */
  readonly keepHangupDefault?: (() => void) | undefined;
}

function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    onSignal(handler) {
      process.on('SIGTERM', handler);
      process.on('SIGINT', handler);
      return () => {
        process.off('SIGTERM', handler);
        process.off('SIGINT', handler);
      };
    },
    onReload(handler) {
      process.on('SIGHUP', handler);
      if (releaseHangup()) queueMicrotask(handler);
      return () => process.off('SIGHUP', handler);
    },
    keepHangupDefault() {
      // One that came while held is answered as it would have been: the process stops.
      if (releaseHangup()) process.kill(process.pid, 'SIGHUP');
    },
  };
}

const HELP = { main: MAIN_HELP, proxy: PROXY_HELP, check: CHECK_HELP, schema: SCHEMA_HELP } as const;

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** One stderr line per gateway event. */
export function describeEvent(event: GatewayEvent): string {
  switch (event.type) {
    case 'upstream-connected':
      return `${event.restart ? 'reconnected' : 'connected'} to upstream ${event.server} (${event.tools} tools)`;
    case 'upstream-lost':
      return `lost the upstream: ${event.reason}${event.inFlight > 0 ? ` (${event.inFlight} calls in flight get UPSTREAM_ERROR)` : ''}`;
    case 'upstream-restarting':
      return `restarting the upstream in ${event.delayMs} ms (attempt ${event.attempt})`;
    case 'upstream-restart-failed':
      return `restart attempt ${event.attempt} failed: ${event.reason}`;
    case 'listening':
      return `listening on ${event.url} (also /healthz, /readyz, /metrics)`;
    case 'draining':
      return event.inFlight > 0
        ? `shutting down: waiting for ${event.inFlight} calls in flight`
        : 'shutting down';
    case 'drain-timeout':
      return `drain deadline passed: cancelling ${event.inFlight} calls still in flight`;
    case 'closed':
      return 'stopped';
    case 'streams-rechecked':
      return `the new front door re-checked ${plural(event.open, 'open response')}: closed ${plural(event.closedStreams, 'stream')} and ended ${plural(event.closedSessions, 'session')} whose credential it refuses`;
    case 'warning':
      return `warning: ${event.message}`;
  }
}

/** Runs `before`, then starts the gateway; when either fails, `release` runs and a GatewayError becomes its exit code. */
async function openGateway(
  create: typeof GatewayModule.createGateway,
  options: GatewayOptions,
  release: () => Promise<unknown>,
  before: () => void,
): Promise<Gateway> {
  try {
    before();
    return await create(options);
  } catch (error) {
    await release().catch(() => undefined);
    if (error instanceof GatewayError) {
      throw new CliError(
        error.code === 'UPSTREAM_START' ? EXIT_CODES.upstreamStart : EXIT_CODES.runtime,
        error.message,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

async function proxy(args: ProxyArgs, io: CliIo): Promise<number> {
  const log = (line: string): void => io.stderr(`mcp-middleware: ${line}\n`);
  // Before any await: from here SIGHUP means reload (its default would stop the process) and SIGTERM/SIGINT
  // stop the gateway, even while the config and the modules load.
  const signals = new ProxySignals(io, log, args.config !== undefined);
  try {
    return await Promise.race([serve(args, io, log, signals), signals.forced.then(() => EXIT_CODES.runtime)]);
  } finally {
    signals.dispose();
  }
}

/** Loads the config, starts the gateway and serves until it stops; resolves to the exit code. */
async function serve(
  args: ProxyArgs,
  io: CliIo,
  log: (line: string) => void,
  signals: ProxySignals,
): Promise<number> {
  const [{ Registry }, { createGateway }, { ProxyConfig }, { GatewayTracer }] = await Promise.all([
    import('prom-client'),
    import('./gateway.js'),
    import('./proxy-config.js'),
    import('./gateway-tracer.js'),
  ]);
  const registry = new Registry();
  const drainMs = args.drainTimeoutMs ?? DEFAULT_DRAIN_MS;
  const tracer = new GatewayTracer(log, drainMs);
  const config = new ProxyConfig({ file: args.config, env: io.env, registry, tracer, log });
  const first = await config.load();
  const release = (): Promise<unknown> => Promise.all([first.close(), tracer.shutdown()]);
  if (signals.stopping) {
    await release();
    log('stopped before the upstream was started');
    return EXIT_CODES.ok;
  }
  let reloader: Reloader<ProxyGeneration> | undefined;
  try {
    const gateway = await openGateway(
      createGateway,
      {
        upstream: args.upstream,
        pipeline: first.middlewares,
        listen: args.listen,
        registry,
        restart: args.restart,
        drainTimeoutMs: args.drainTimeoutMs,
        connectTimeoutMs: args.connectTimeoutMs,
        requestTimeoutMs: args.requestTimeoutMs,
        keepAliveTimeoutMs: args.keepAliveTimeoutMs,
        headersTimeoutMs: args.headersTimeoutMs,
        receiveTimeoutMs: args.receiveTimeoutMs,
        // Over HTTP, API keys or JWTs in the config's auth are checked at the door too (401 before MCP).
        auth: first.auth,
        onEvent: (event) => log(describeEvent(event)),
      },
      release,
      () => config.start(first),
    );
    reloader =
      args.config === undefined
        ? undefined
        : await startReloader(args.config, first, {
            watch: args.watch,
            drainMs,
            apply: (next) => config.apply(gateway, next),
            load: () => config.load(),
            log,
          });
    signals.up(gateway, reloader);
    return await exitCodeOf(gateway, log);
  } finally {
    await reloader?.close();
    await tracer.shutdown();
  }
}

// The gateway's own default (options.ts): a replaced pipeline's stores close after the same drain time.
const DEFAULT_DRAIN_MS = 10_000;

/** SIGHUP (and with --watch, a change of the file) re-reads the config; see reload.ts. */
async function startReloader(
  file: string,
  initial: ProxyGeneration,
  parts: Omit<ReloaderParts<ProxyGeneration>, 'file'> & { readonly watch: boolean },
): Promise<Reloader<ProxyGeneration>> {
  const { Reloader } = await import('./reload.js');
  const reloader = new Reloader({ ...parts, file }, initial);
  if (parts.watch) reloader.watch();
  return reloader;
}

/** Waits for the gateway to stop (signals.ts closes it on SIGTERM/SIGINT); resolves to the exit code. */
async function exitCodeOf(gateway: Gateway, log: (line: string) => void): Promise<number> {
  const exit = await gateway.closed;
  if (exit.reason === 'upstream-lost') {
    log(`exiting: ${exit.message}`);
    return EXIT_CODES.runtime;
  }
  return EXIT_CODES.ok;
}

/** Runs `mcp-middleware` with `argv` (the arguments after the program name); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const command = parseCommand(argv, io.env);
    if (command.name !== 'proxy' || command.args.config === undefined) io.keepHangupDefault?.();
    switch (command.name) {
      case 'help':
        io.stdout(HELP[command.topic]);
        return EXIT_CODES.ok;
      case 'version':
        io.stdout(`${(await import('./version.js')).VERSION}\n`);
        return EXIT_CODES.ok;
      case 'proxy':
        return await proxy(command.args, io);
      case 'check': {
        const { checkConfig } = await import('./load-pipeline.js');
        io.stdout(`${await checkConfig(command.config, { upstream: command.upstream })}\n`);
        return EXIT_CODES.ok;
      }
      case 'schema': {
        const { configJsonSchema } = await import('./load-pipeline.js');
        io.stdout(`${JSON.stringify(await configJsonSchema(), null, 2)}\n`);
        return EXIT_CODES.ok;
      }
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`mcp-middleware: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof GatewayError && error.code === 'UPSTREAM_START') {
      io.stderr(`mcp-middleware: ${error.message}\n`);
      return EXIT_CODES.upstreamStart;
    }
    const [{ ConfigError }, { describeError }] = await Promise.all([
      import('@mcp-middleware/core'),
      import('./upstream.js'),
    ]);
    if (error instanceof ConfigError) {
      io.stderr(`mcp-middleware: ${error.message}\n`);
      return EXIT_CODES.usage;
    }
    io.stderr(`mcp-middleware: unexpected failure: ${describeError(error)}\n`);
    if (io.env.MCP_MIDDLEWARE_DEBUG !== undefined && error instanceof Error) io.stderr(`${error.stack}\n`);
    return EXIT_CODES.runtime;
  }
}
