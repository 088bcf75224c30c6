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

/** What the gateway hands the config loader, so config-built middlewares can share its parts. */
export interface PipelineContext {
  /** The gateway's metrics registry (served on `/metrics`); a `metrics` middleware registers here. */
  readonly registry: Registry;
}

// A config problem is a usage error: exit 2 with every problem listed, never a stack.
function asCliError(error: unknown): never {
  if (error instanceof ConfigFileError) throw new CliError(EXIT_CODES.usage, error.message);
  throw error;
}

/** Loads `configPath` and builds its pipeline, with `metrics` writing to the gateway's registry. */
export async function loadPipeline(configPath: string, context: PipelineContext): Promise<Pipeline> {
  try {
    const built = await createPipeline(loadConfig(configPath), { metricsRegistry: context.registry });
    return built.middlewares;
  } catch (error) {
    return asCliError(error);
  }
}

/**
 * The options of the config's `auth` middleware (the built-in, not a `use:` module), for the HTTP front door;
 * undefined when the pipeline has none. Problems were already reported by {@link loadPipeline}.
 */
export function authOptionsOf(configPath: string): Readonly<Record<string, unknown>> | undefined {
  try {
    return loadConfig(configPath).pipeline.find((entry) => entry.name === 'auth' && entry.use === undefined)
      ?.options;
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
  return Promise.resolve(schemaOf());
}
