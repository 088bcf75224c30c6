/** The JSON Schema of the config format, generated from the same zod schemas that check files. */
import { z } from 'zod';
import { builtins } from './builtins.js';
import type { RegistryEntry } from './registry.js';

/** A JSON Schema (draft 2020-12) for `mcp-middleware.yaml`, for editor completion and validation. */
export function configJsonSchema(registry: readonly RegistryEntry[] = builtins): Record<string, unknown> {
  const entries = registry.map((entry) =>
    z.strictObject({ [entry.name]: entry.schema.describe(entry.description) }).describe(entry.description),
  );
  const names = registry.map((e) => e.name) as [string, ...string[]];
  const thirdParty = z
    .strictObject({
      use: z.string().describe('a module specifier exporting a middleware factory'),
      options: z.record(z.string(), z.unknown()).optional(),
    })
    .describe('a third-party middleware');
  const overrides = z.strictObject(
    Object.fromEntries(
      registry.map((entry) => [entry.name, z.union([z.literal(false), entry.schema.partial()]).optional()]),
    ),
  );
  const store = z.union([
    z.strictObject({ type: z.literal('memory') }),
    z.strictObject({
      type: z.literal('redis'),
      url: z.string().describe('redis:// URL; ${VAR} allowed'),
      prefix: z.string().optional(),
    }),
  ]);
  const file = z.strictObject({
    $schema: z.string().optional(),
    pipeline: z
      .array(z.union([z.enum(names), ...entries, thirdParty]))
      .describe(
        'middlewares, outermost first; recommended order: tracing, metrics, logging, auth, rateLimit, validation, cache, retry, circuitBreaker, timeout',
      ),
    tools: z
      .record(z.string(), overrides)
      .optional()
      .describe(
        'per-tool settings keyed by tool name or glob; more specific keys win; false turns a middleware off',
      ),
    stores: z.record(z.string(), store).optional().describe('named stores shared by rateLimit and cache'),
  });
  return {
    ...z.toJSONSchema(file, { target: 'draft-2020-12', unrepresentable: 'any' }),
    title: 'mcp-middleware config',
  };
}
