/** The config seam: everything the `mcp-middleware` command needs from @mcp-middleware/config. */
import {
  ConfigFileError,
  configJsonSchema as schemaOf,
  createPipeline,
  loadConfig,
} from '@mcp-middleware/config';
import type { Pipeline } from '@mcp-middleware/core';
import type { Registry } from 'prom-client';
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

/**
 * Validates `configPath` and describes the resolved pipeline as a table: one row for tools no `tools:` key
 * matches, one per key of `tools:`, each listing the middlewares that tool gets, outermost first.
 */
export async function checkConfig(configPath: string): Promise<string> {
  try {
    const config = loadConfig(configPath);
    const built = await createPipeline(config);
    await built.close();
    const rows: [string, string][] = [
      ['(other tools)', built.describe('\u0000').join(' → ')],
      ...Object.keys(config.tools).map((glob): [string, string] => [glob, built.describe(glob).join(' → ')]),
    ];
    const width = Math.max(4, ...rows.map(([tool]) => tool.length));
    const lines = [
      `${configPath}: valid, ${config.pipeline.length} middleware${config.pipeline.length === 1 ? '' : 's'}`,
      '',
      `${'tool'.padEnd(width)}  pipeline (outermost first)`,
      `${'─'.repeat(width)}  ${'─'.repeat(26)}`,
      ...rows.map(([tool, pipeline]) => `${tool.padEnd(width)}  ${pipeline === '' ? '(empty)' : pipeline}`),
    ];
    return lines.join('\n');
  } catch (error) {
    return asCliError(error);
  }
}

/** The JSON Schema of the config file format. */
export function configJsonSchema(): Promise<unknown> {
  return Promise.resolve(schemaOf());
}
