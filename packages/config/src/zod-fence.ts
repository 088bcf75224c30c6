/**
 * The one file that reads zod's internals (`.def`, `.shape` through wrappers) or calls its JSON Schema
 * generator. A zod upgrade that changes them fails zod-fence.test.ts, not a user's config check.
 */
import { z } from 'zod/v4';

type JsonSchema = Record<string, unknown>;

interface Def {
  readonly type?: string;
  readonly innerType?: unknown;
  readonly element?: unknown;
  readonly valueType?: unknown;
  readonly options?: readonly unknown[];
}
const defOf = (schema: unknown): Def | undefined => (schema as { def?: Def } | undefined)?.def;
const shapeOf = (schema: unknown): Record<string, unknown> | undefined =>
  (schema as { shape?: Record<string, unknown> } | undefined)?.shape;

// Looks through optional, default and nullable wrappers, and into the object branch of a union.
function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let i = 0; i < 5; i++) {
    const def = defOf(current);
    if (def?.type === 'optional' || def?.type === 'default' || def?.type === 'nullable')
      current = def.innerType;
    else if (def?.type === 'union') current = def.options?.find((o) => shapeOf(o) !== undefined);
    else break;
  }
  return current;
}

/** The keys an object schema accepts at `path` inside `schema`, for did-you-mean on unknown keys. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const key of path) {
    const def = defOf(current);
    const shape = shapeOf(current);
    if (typeof key === 'number' && def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = def.valueType;
    else if (shape !== undefined && typeof key === 'string') current = shape[key];
    else return [];
    current = unwrap(current);
  }
  const shape = shapeOf(current);
  return shape === undefined ? [] : Object.keys(shape);
}

/** The JSON Schema (draft 2020-12) of `schema`, without its `$schema` line. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const json: JsonSchema = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' });
  delete json.$schema;
  return json;
}
