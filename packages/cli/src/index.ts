/** @mcp-middleware/cli: the `mcp-middleware` gateway, usable from code as createGateway(). */
export { createGateway } from './gateway.js';
export type { Gateway, GatewayExit, PipelineReplacement } from './gateway.js';
export type { GatewayEvent, GatewayOptions, RestartOptions } from './options.js';
export type { HttpUpstream, StdioUpstream, UpstreamSpec } from './upstream.js';
export { toolInfoOf } from './tool-call.js';
export { CliError, EXIT_CODES, GatewayError } from './errors.js';
export type { GatewayErrorCode } from './errors.js';
export { checkConfig, configJsonSchema, loadPipeline } from './load-pipeline.js';
export type { PipelineContext } from './load-pipeline.js';
export { runCli } from './cli.js';
export type { CliIo } from './cli.js';
