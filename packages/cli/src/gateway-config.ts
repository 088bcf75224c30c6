/**
 * The middlewares a gateway config file may name: the built-ins, with `tracing` also taking `exporter:`
 * (where the gateway sends its spans; an in-process app registers its own SDK instead).
 */
import { builtins, type RegistryEntry } from '@mcp-middleware/config';
import { z } from 'zod/v4';
import type { ExporterOptions } from './gateway-tracing.js';

const exporterSchema = z.strictObject({
  type: z.enum(['otlp', 'none']).optional(),
  endpoint: z
    .string()
    .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
      error: 'expected an http(s) URL of the collector, such as http://localhost:4318',
    })
    .optional(),
  protocol: z.enum(['http/protobuf', 'http/json']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  serviceName: z.string().min(1).optional(),
});

const EXPORTER_DOC =
  'gateway only: where its spans go, { type: otlp|none, endpoint, protocol: http/protobuf|http/json, headers, serviceName }; each falls back to its OTEL_* variable';

function withExporter(entry: RegistryEntry): RegistryEntry {
  return {
    ...entry,
    description: `${entry.description}; in the gateway, also where spans are exported (exporter:)`,
    schema: entry.schema.extend({ exporter: exporterSchema.optional() }),
    ...(entry.docs !== undefined && { docs: { ...entry.docs, exporter: [EXPORTER_DOC] } }),
    create: (options, context) => {
      const { exporter: _gatewayOnly, ...rest } = options;
      return entry.create(rest, context);
    },
  };
}

/** The registry `proxy`, `check` and `schema` use. */
export const gatewayRegistry: readonly RegistryEntry[] = builtins.map((entry) =>
  entry.name === 'tracing' ? withExporter(entry) : entry,
);

/** The `exporter:` of the config's `tracing` entry ({} when it has none); undefined without a `tracing` entry. */
export function exporterOptionsOf(
  pipeline: readonly { readonly name: string; readonly use?: string | undefined; readonly options: object }[],
): ExporterOptions | undefined {
  const entry = pipeline.find((e) => e.name === 'tracing' && e.use === undefined);
  if (entry === undefined) return undefined;
  return (entry.options as { exporter?: ExporterOptions }).exporter ?? {};
}
