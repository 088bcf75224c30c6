/** @mcp-middleware/config: middleware pipelines from YAML or JSON files. */
export { loadConfig } from './load.js';
export type { LoadOptions } from './load.js';
export { createPipeline, compareSpecificity } from './pipeline.js';
export type { BuiltPipeline, CreatePipelineOptions } from './pipeline.js';
export { configJsonSchema } from './schema.js';
export { toolSelectorOf } from './tool-keys.js';
export { builtins } from './builtins.js';
export { ConfigFileError, formatProblem } from './errors.js';
export type { ConfigProblem } from './errors.js';
export type { BuildContext, RegistryEntry, SharedStore, ThirdPartyModule } from './registry.js';
export type { McpMiddlewareConfig, PipelineEntry, StoreConfig, ToolOverrides } from './validate.js';
