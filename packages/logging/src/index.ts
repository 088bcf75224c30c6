/** @mcp-middleware/logging: structured, stderr-safe, redacting pino logs for MCP tool calls. */
export { logging } from './logging.js';
export type { LogLevels, LogOutcome, LoggingOptions } from './logging.js';
export { CENSOR, isSensitiveKey, redactArgs } from './redact.js';
