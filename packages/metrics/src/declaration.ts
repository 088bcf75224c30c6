/**
 * metrics()'s options, declared once (the package's `./options` export): the factory's check, the config
 * file's validation and its JSON Schema come from here. No prom-client import: config loads this file
 * where the optional peer is not installed.
 */
import { declareOptions, integer, value } from '@mcp-middleware/core/options';
import type { MetricsOptions } from './metrics.js';

/** Every option of {@link MetricsOptions}: kind, range, default, and one line of doc. */
export const METRICS_OPTIONS = declareOptions<MetricsOptions>()('metrics', {
  registry: value({ doc: 'the prom-client Registry to write to (default: a new one)', inFile: false }),
  maxTools: integer({
    min: 1,
    default: 100,
    doc: 'distinct tool names with their own series; later names share _other',
  }),
  maxPrompts: integer({
    min: 1,
    default: 100,
    doc: 'distinct prompt names with their own series; later names share _other',
  }),
  meter: value({ doc: 'also record through an OpenTelemetry meter (default: none)', inFile: false }),
  buckets: value({
    doc: 'histogram upper bounds in seconds, ascending (default: the OTel MCP conventions)',
  }),
});
