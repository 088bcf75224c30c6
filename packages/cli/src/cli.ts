/** runCli(): the `mcp-middleware` command, returning its exit code (bin.ts only adds the process). */
// Only what --help and bad usage need is imported up front; the pipeline, the SDK and prom-client load when
// a command runs, so `mcp-middleware --help` answers in a fraction of the time.
import type { Pipeline } from '@mcp-middleware/core';
import { CHECK_HELP, MAIN_HELP, PROXY_HELP, SCHEMA_HELP, parseCommand, type ProxyArgs } from './args.js';
import { CliError, EXIT_CODES, GatewayError } from './errors.js';
import type { Gateway } from './gateway.js';
import type { GatewayEvent } from './options.js';

/** Where the command writes and how it hears signals; tests pass their own. */
export interface CliIo {
  /** Help, version and schema output only; never used while proxying over stdio. */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Calls `handler` on SIGTERM and SIGINT; returns a function that stops listening. */
  readonly onSignal: (handler: (signal: NodeJS.Signals) => void) => () => void;
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
  };
}

const HELP = { main: MAIN_HELP, proxy: PROXY_HELP, check: CHECK_HELP, schema: SCHEMA_HELP } as const;

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
    case 'warning':
      return `warning: ${event.message}`;
  }
}

async function proxy(args: ProxyArgs, io: CliIo): Promise<number> {
  const log = (line: string): void => io.stderr(`mcp-middleware: ${line}\n`);
  const [{ Registry }, { createGateway }, { authOptionsOf, loadPipeline }] = await Promise.all([
    import('prom-client'),
    import('./gateway.js'),
    import('./load-pipeline.js'),
  ]);
  const registry = new Registry();
  const pipeline: Pipeline = args.config === undefined ? [] : await loadPipeline(args.config, { registry });
  let gateway: Gateway;
  try {
    gateway = await createGateway({
      upstream: args.upstream,
      pipeline,
      listen: args.listen,
      registry,
      restart: args.restart,
      drainTimeoutMs: args.drainTimeoutMs,
      connectTimeoutMs: args.connectTimeoutMs,
      requestTimeoutMs: args.requestTimeoutMs,
      // Over HTTP, API keys or JWTs in the config's auth are checked at the door too (401 before MCP).
      auth: args.config === undefined ? undefined : authOptionsOf(args.config),
      onEvent: (event) => log(describeEvent(event)),
    });
  } catch (error) {
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
  let forced: (() => void) | undefined;
  const stopNow = new Promise<'forced'>((resolve) => {
    forced = () => resolve('forced');
  });
  let signalled = false;
  const stopListening = io.onSignal((signal) => {
    if (signalled) {
      log(`second ${signal}: stopping without waiting for calls in flight`);
      void gateway.close({ drainTimeoutMs: 0 });
      forced?.();
      return;
    }
    signalled = true;
    log(`${signal} received`);
    void gateway.close();
  });
  try {
    const exit = await Promise.race([gateway.closed, stopNow]);
    if (exit === 'forced') return EXIT_CODES.runtime;
    if (exit.reason === 'upstream-lost') {
      log(`exiting: ${exit.message}`);
      return EXIT_CODES.runtime;
    }
    return EXIT_CODES.ok;
  } finally {
    stopListening();
  }
}

/** Runs `mcp-middleware` with `argv` (the arguments after the program name); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const command = parseCommand(argv, io.env);
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
