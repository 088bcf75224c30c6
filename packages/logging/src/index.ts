/** @mcp-middleware/logging: structured, stderr-safe, redacting pino logs for every MCP request. */
export { logging } from './logging.js';
export type { LogLevels, LogOutcome, LoggingOptions } from './logging.js';
export { CENSOR, isSensitiveKey, redactArgs } from './redact.js';
export type { RequestOutcome } from './request-step.js';
