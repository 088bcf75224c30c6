/** The config seam: everything the `mcp-middleware` command needs from @mcp-middleware/config. */
import {
  ConfigFileError,
  configJsonSchema as schemaOf,
  createPipeline,
  loadConfig,
} from '@mcp-middleware/config';
import type { Pipeline } from '@mcp-middleware/core';
import type { Registry } from 'prom-client';
import { checkConfigFile, type CheckOptions } from './check.js';
import { CliError, EXIT_CODES } from './errors.js';
import { exporterOptionsOf, gatewayRegistry } from './gateway-config.js';
import type { ExporterOptions } from './gateway-tracing.js';

/** What the gateway hands the config loader, so config-built middlewares can share its parts. */
export interface PipelineContext {
  /** The gateway's metrics registry (served on `/metrics`); a `metrics` middleware registers here. */
  readonly registry: Registry;
}

// A config problem is a usage error: exit 2 with every problem listed, never a stack.
function asCliError(error: unknown): never {
  if (error instanceof ConfigFileError) throw new CliError(EXIT_CODES.usage, error.message, { cause: error });
  throw error;
}

/** Loads `configPath` and builds its pipeline, with `metrics` writing to the gateway's registry. */
export async function loadPipeline(configPath: string, context: PipelineContext): Promise<Pipeline> {
  return (await loadGatewayConfig(configPath, context)).middlewares;
}

/** A gateway config file, loaded and built. */
export interface GatewayConfig {
  readonly middlewares: Pipeline;
  /** The `exporter:` of its `tracing` entry ({} without one); undefined when the pipeline has no `tracing`. */
  readonly exporter: ExporterOptions | undefined;
  /** The options of its built-in `auth`, for the HTTP front door. */
  readonly auth: Readonly<Record<string, unknown>> | undefined;
  /** Closes what the pipeline opened (Redis connections of its stores). */
  close(): Promise<void>;
}

/**
 * Loads and builds `configPath` for the gateway. Throws a CliError (exit 2) listing every problem, or the
 * factory's ConfigError.
 */
export async function loadGatewayConfig(
  configPath: string,
  context: PipelineContext,
): Promise<GatewayConfig> {
  try {
    const config = loadConfig(configPath, { registry: gatewayRegistry });
    const built = await createPipeline(config, {
      metricsRegistry: context.registry,
      registry: gatewayRegistry,
    });
    return {
      middlewares: built.middlewares,
      exporter: exporterOptionsOf(config.pipeline),
      auth: config.pipeline.find((entry) => entry.name === 'auth' && entry.use === undefined)?.options,
      close: () => built.close(),
    };
  } catch (error) {
    return asCliError(error);
  }
}

/** `mcp-middleware check`: the file validated and described (see check.ts), problems as a usage error. */
export async function checkConfig(configPath: string, options: CheckOptions = {}): Promise<string> {
  try {
    return await checkConfigFile(configPath, options);
  } catch (error) {
    return asCliError(error);
  }
}

/** The JSON Schema of the config file format. */
export function configJsonSchema(): Promise<unknown> {
  return Promise.resolve(schemaOf(gatewayRegistry));
}
