/**
 * tracing()'s options, declared once (the package's `./options` export): the factory's check, the config
 * file's validation and its JSON Schema come from here. No OpenTelemetry import: config loads this file
 * where the optional peer is not installed.
 */
import { boolean, declareOptions, integer, oneOf, value } from '@mcp-middleware/core/options';
import type { TracingOptions } from './options.js';
import { NETWORK_TRANSPORTS } from './semconv.js';

/** Every option of {@link TracingOptions}: kind, range, default, and one line of doc. */
export const TRACING_OPTIONS = declareOptions<TracingOptions>()('tracing', {
  tracerProvider: value({ doc: 'where spans go (default: the global tracer provider)', inFile: false }),
  propagator: value({
    doc: 'reads the parent from params._meta (default: the global propagator)',
    inFile: false,
  }),
  networkTransport: oneOf(NETWORK_TRANSPORTS, {
    doc: 'network.transport of spans: pipe or tcp (detected: tcp over HTTP, else pipe)',
  }),
  captureArguments: boolean({
    default: false,
    orFunction: true,
    doc: 'record the tool arguments on the span, as JSON',
  }),
  captureResult: boolean({ default: false, orFunction: true, doc: 'record the result on the span, as JSON' }),
  maxCaptureLength: integer({
    min: 1,
    max: 2000,
    default: 1024,
    doc: 'most characters of JSON a capture keeps',
  }),
});
