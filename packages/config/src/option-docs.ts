/**
 * A description and, where there is one, the default of every option a config file may set, for the JSON
 * Schema (editor hovers and completion). The package READMEs hold the full story; these are one line each.
 */
import type { RegistryEntry } from './registry.js';

type Doc = readonly [description: string, fallback?: unknown];
type Docs = Readonly<Record<string, Doc>>;

const ACCESS = (what: string): Doc => [
  `{ "<glob>": { scopes?, roles? } } per ${what}: the caller needs every scope and one of the roles`,
  {},
];

const DOCS: Readonly<Record<string, Docs>> = {
  auth: {
    authInfo: [
      'trust the transport’s authInfo: true, or { resource } to check the token’s resource (default: not used)',
    ],
    jwt: ['verify bearer JWTs: issuer, audience, algorithms and jwksUri are required'],
    apiKeys: ['API keys by sha256, each with an id, scopes and roles; header defaults to x-api-key'],
    env: ['one API key from an environment variable (stdio servers); variable defaults to MCP_API_KEY'],
    tools: ACCESS('tool name'),
    prompts: ACCESS('prompt name'),
    resources: ACCESS('resource URI'),
    forbidden: ['answer for something the caller may not use: hide (as unknown) or refuse', 'hide'],
  },
};

/** The documented options of `middleware` (empty for one this table does not know). */
export function optionDocs(middleware: string): Docs {
  return DOCS[middleware] ?? {};
}

/** The docs of an entry: its own (from a declaration), else this table's. */
export function docsOf(entry: Pick<RegistryEntry, 'name' | 'docs'>): Docs {
  return entry.docs ?? optionDocs(entry.name);
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
