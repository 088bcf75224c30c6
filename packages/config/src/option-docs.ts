/**
 * Adds each option's one-line description and default (from the package's declaration, see declared.ts) to
 * the JSON Schema, for editor hovers and completion. The package READMEs hold the full story.
 */
import type { RegistryEntry } from './registry.js';

type Doc = readonly [description: string, fallback?: unknown];
type Docs = Readonly<Record<string, Doc>>;

/** The docs of an entry, from its package's declaration (none for a third-party entry without them). */
export function docsOf(entry: Pick<RegistryEntry, 'docs'>): Docs {
  return entry.docs ?? {};
}

/** Adds each property's description and default to a middleware's generated options schema. */
export function describeOptions(
  entry: Pick<RegistryEntry, 'name' | 'docs'>,
  schema: Record<string, unknown>,
): Record<string, unknown> {
  const docs = docsOf(entry);
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (properties === undefined) return schema;
  const described: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    const [description, fallback] = docs[key] ?? [];
    described[key] = {
      ...property,
      ...(description === undefined ? {} : { description }),
      ...(fallback === undefined ? {} : { default: fallback }),
    };
  }
  return { ...schema, properties: described };
}
