/** createGateway(): one upstream MCP server, mirrored to any number of clients, every tools/call through a pipeline. */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { EventChannel, Pipeline } from '@mcp-middleware/core';
import type { Registry } from 'prom-client';
import { GatewayRuntime } from './gateway-runtime.js';
import { resolveOptions, type GatewayOptions } from './options.js';
import { connectSession } from './session.js';

/** Why a gateway stopped. */
export type GatewayExit =
  { readonly reason: 'closed' } | { readonly reason: 'upstream-lost'; readonly message: string };

/** What a config reload replaces along with the pipeline. */
export interface PipelineReplacement {
  /** The config's `auth` options for the HTTP front door, as {@link GatewayOptions.auth}. */
  readonly auth?: GatewayOptions['auth'];
}

/** A running gateway. */
export interface Gateway {
  /** The registry `/metrics` serves; register your own series here. */
  readonly registry: Registry;
  /**
   * The pipeline's event channel (retries, rejections, breaker changes, …). After `replacePipeline` it is the
   * new pipeline's, unless `runner.events` gave one channel for all.
   */
  readonly events: EventChannel;
  /** The bound address in HTTP mode (port 0 resolved), else undefined. */
  readonly url: URL | undefined;
  /** True while the upstream is connected and the gateway is not shutting down. */
  readonly ready: boolean;
  /**
   * Puts `pipeline` in service (a config reload): calls and requests that start from now on run through it;
   * those already running finish on the pipeline they started with. With `options`, in HTTP mode the front
   * door is rebuilt from `options.auth` in the same step (as {@link GatewayOptions.auth}; undefined removes
   * it): every request from then on passes the new door, so a revoked key is refused at once. Throws, and
   * keeps the running pipeline and door, when either cannot be built.
   */
  replacePipeline(pipeline: Pipeline, options?: PipelineReplacement): void;
  /** Serves one more client on any transport (in-memory, a socket, …). */
  connect(transport: Transport): Promise<void>;
  /**
   * Stops taking new work, lets calls in flight finish up to the drain deadline, then closes everything.
   * Calling it again returns the same promise; a shorter `drainTimeoutMs` brings the deadline forward.
   */
  close(options?: { readonly drainTimeoutMs?: number }): Promise<void>;
  /** Settles once the gateway has stopped, saying why. */
  readonly closed: Promise<GatewayExit>;
}

/**
 * Connects to the upstream MCP server, mirrors its tools, resources and prompts, and starts listening.
 * Rejects with a GatewayError (upstream could not start, address unusable) or a ConfigError (bad option).
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const runtime = new GatewayRuntime(resolveOptions(options));
  await runtime.supervisor.start();
  runtime.started = true;
  const gateway: Gateway = {
    registry: runtime.o.registry,
    get events() {
      return runtime.runner.events;
    },
    replacePipeline: (pipeline, replacement) => runtime.replace(pipeline, replacement),
    get url() {
      return runtime.http?.url;
    },
    get ready() {
      return runtime.ready;
    },
    async connect(transport) {
      const session = runtime.openSession();
      if (session === undefined) throw new Error('the gateway is shutting down');
      await connectSession(session, transport);
    },
    close: (closeOptions) => runtime.close(closeOptions),
    closed: runtime.closed,
  };
  try {
    await runtime.listen(gateway);
  } catch (error) {
    await runtime.close({ drainTimeoutMs: 0 });
    throw error;
  }
  return gateway;
}
