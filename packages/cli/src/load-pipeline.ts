/**
 * THE CONFIG SEAM. Everything the `mcp-middleware` command needs from @mcp-middleware/config passes
 * through this file; until that package lands, each function fails with one clear message.
 */
import type { Pipeline } from '@mcp-middleware/core';
import type { Registry } from 'prom-client';
import { CliError, EXIT_CODES } from './errors.js';

/** What the gateway hands the config loader, so config-built middlewares can share its parts. */
export interface PipelineContext {
  /** The gateway's metrics registry (served on `/metrics`); a `metrics` middleware should register here. */
  readonly registry: Registry;
}

const NOT_YET =
  'config support arrives with @mcp-middleware/config, which is not wired into the mcp-middleware command yet';

/** Loads `configPath` and builds its pipeline. For now: always throws a CliError (exit code 2). */
export function loadPipeline(configPath: string, _context: PipelineContext): Promise<Pipeline> {
  return Promise.reject(
    new CliError(
      EXIT_CODES.usage,
      `cannot load ${configPath}: ${NOT_YET}. Run \`mcp-middleware proxy\` without --config for a ` +
        'pass-through gateway, or build the pipeline in code and call createGateway({ pipeline }).',
    ),
  );
}

/** Validates `configPath` and describes the resolved pipeline per tool. For now: always throws. */
export function checkConfig(configPath: string): Promise<string> {
  return Promise.reject(new CliError(EXIT_CODES.usage, `cannot check ${configPath}: ${NOT_YET}.`));
}

/** The JSON Schema of the config file format. For now: always throws. */
export function configJsonSchema(): Promise<unknown> {
  return Promise.reject(new CliError(EXIT_CODES.usage, `cannot print the config schema: ${NOT_YET}.`));
}
