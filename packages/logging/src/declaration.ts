/**
 * logging()'s options, declared once (the package's `./options` export): the factory's check, the config
 * file's validation and its JSON Schema come from here. No pino import: config loads this file where the
 * optional peer is not installed.
 */
import { boolean, declareOptions, oneOf, value } from '@mcp-middleware/core/options';
import type { LoggingOptions } from './logging.js';

/** pino's level names, and `silent`. */
export const PINO_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every option of {@link LoggingOptions}: kind, range, default, and one line of doc. */
export const LOGGING_OPTIONS = declareOptions<LoggingOptions>()('logging', {
  logger: value({ doc: 'a pino logger of your own (default: pino on stderr)', inFile: false }),
  level: oneOf(PINO_LEVELS, { default: 'info', doc: 'level of the default pino logger' }),
  levels: value({
    default: {
      success: 'debug',
      toolError: 'warn',
      rejected: 'warn',
      failed: 'error',
      inputRequired: 'debug',
    },
    doc: 'the level of each outcome’s line',
  }),
  includeArgs: boolean({ default: false, doc: 'add a tool call’s arguments, redacted' }),
  redact: value({ default: [], doc: 'more argument paths to redact: dot-separated, * for any key or index' }),
});
