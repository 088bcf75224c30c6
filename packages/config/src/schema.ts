/** The JSON Schema of the config format, generated from the same schemas that check files (each package's option declaration). */
import { builtins } from './builtins.js';
import { describeOptions } from './option-docs.js';
import type { RegistryEntry } from './registry.js';
import { jsonSchemaOf } from './zod-fence.js';

type JsonSchema = Record<string, unknown>;

/** A whole value read from the environment: `${VAR}` or `${VAR:-default}`. */
export const VARIABLE_PATTERN = '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$';

/**
 * Lets `${VAR}` stand wherever the loader fills a value from the environment: any number, boolean, fixed
 * word or patterned string (a whole-value variable keeps its number or boolean type). Written without
 * `anyOf`, so a wrong value gets one error, not one per alternative: a number becomes
 * `type: [integer, string]` with the variable's pattern (which only strings must match).
 */
function allowVariables(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(allowVariables);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) out[key] = allowVariables(value);
  const type = out.type;
  if (type === 'number' || type === 'integer' || type === 'boolean')
    return { ...out, type: [type, 'string'], pattern: VARIABLE_PATTERN };
  if (type === 'string' && typeof out.pattern === 'string')
    return { ...out, pattern: `(?:${out.pattern})|(?:${VARIABLE_PATTERN})` };
  if (Array.isArray(out.enum)) {
    const { description, default: fallback, ...rest } = out;
    return {
      ...(description === undefined ? {} : { description }),
      ...(fallback === undefined ? {} : { default: fallback }),
      if: { type: 'string', pattern: VARIABLE_PATTERN },
      else: rest,
    };
  }
  return out;
}

// One middleware's options, each with its description and default (see option-docs.ts).
function optionsSchema(entry: RegistryEntry, partial: boolean): JsonSchema {
  const schema = jsonSchemaOf(partial ? entry.schema.partial() : entry.schema);
  return allowVariables(describeOptions(entry, schema)) as JsonSchema;
}

/**
 * A pipeline item: a name, `{ name: options }` or `{ use, options }`. One if/then/else rather than a union,
 * so one typo gives one or two errors in an editor instead of one per middleware.
 */
function pipelineItem(registry: readonly RegistryEntry[]): JsonSchema {
  const names = registry.map((entry) => entry.name);
  const properties: Record<string, JsonSchema> = Object.fromEntries(
    registry.map((entry) => [entry.name, { description: entry.description, ...optionsSchema(entry, false) }]),
  );
  return {
    description: 'a middleware: its name, { name: options }, or { use: module, options }',
    if: { type: 'string' },
    then: { enum: names },
    else: {
      type: 'object',
      properties: {
        ...properties,
        use: { type: 'string', description: 'a third-party middleware: a module exporting a factory' },
        options: { type: 'object', description: "the third-party factory's options" },
      },
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 2,
      dependentRequired: { options: ['use'] },
    },
  };
}

// `tools:`: each key a selector, each value per-middleware settings or false.
function toolsSchema(registry: readonly RegistryEntry[]): JsonSchema {
  const overrides: JsonSchema = {
    type: 'object',
    description:
      'per-tool settings: a middleware’s options to merge over the pipeline’s, or false to turn it off',
    properties: Object.fromEntries(
      registry.map((entry) => [
        entry.name,
        {
          description: `${entry.name} for these tools (false: off)`,
          if: { const: false },
          else: optionsSchema(entry, true),
        },
      ]),
    ),
    additionalProperties: false,
  };
  return {
    type: 'object',
    additionalProperties: overrides,
    description:
      'per-tool settings keyed by a selector, as when() takes one: a name or glob (db_*), a negation (!admin_*), a list (db_*, !db_drop) or annotations ({ readOnlyHint: true }); more specific keys win (globs, then annotations, then exact names); false turns a middleware off',
    propertyNames: { minLength: 1 },
  };
}

// A fresh object per schema, so one caller changing its copy changes no other.
const storeSchema = (): JsonSchema => ({
  type: 'object',
  description: 'a shared store: { type: memory } or { type: redis, url, prefix? }',
  properties: {
    type: { enum: ['memory', 'redis'], description: 'memory (per process) or redis (shared)' },
    url: { type: 'string', description: 'redis:// URL; ${VAR} allowed' },
    prefix: { type: 'string', description: 'key prefix', default: 'mcp-middleware:' },
  },
  required: ['type'],
  additionalProperties: false,
  if: { properties: { type: { const: 'redis' } } },
  then: { required: ['type', 'url'] },
  else: { properties: { type: true }, maxProperties: 1 },
});

/** A JSON Schema (draft 2020-12) for `mcp-middleware.yaml`, for editor completion and validation. */
export function configJsonSchema(registry: readonly RegistryEntry[] = builtins): Record<string, unknown> {
  const file: JsonSchema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'mcp-middleware config',
    type: 'object',
    properties: {
      $schema: { type: 'string', description: 'the JSON Schema of this file, for editors' },
      pipeline: {
        type: 'array',
        items: pipelineItem(registry),
        description:
          'middlewares, outermost first; documented order: tracing, metrics, logging, auth, rateLimit, validation, approval, idempotency, cache, concurrencyLimit, retry, circuitBreaker, timeout',
      },
      tools: toolsSchema(registry),
      stores: {
        type: 'object',
        additionalProperties: storeSchema(),
        description: 'named stores shared by rateLimit and cache',
      },
    },
    required: ['pipeline'],
    additionalProperties: false,
  };
  return file;
}
