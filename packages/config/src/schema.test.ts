import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtins } from './builtins.js';
import { docsOf } from './option-docs.js';
import { configJsonSchema } from './schema.js';

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(configJsonSchema());
// ajv also reports each if/then/else it took as an error of its own; an editor shows the errors inside.
const errorsOf = (yaml: string): unknown[] =>
  validate(parse(yaml)) ? [] : (validate.errors ?? []).filter((error) => error.keyword !== 'if');

describe('the JSON Schema', () => {
  it('accepts the demo config, whose numbers come from the environment', () => {
    const demo = readFileSync(new URL('../../../examples/demo/mcp-middleware.yaml', import.meta.url), 'utf8');
    expect(errorsOf(demo)).toEqual([]);
  });

  it.each([
    ['an integer', 'pipeline:\n  - rateLimit: { limit: "${LIMIT}", windowMs: "${WINDOW:-60000}" }\n'],
    ['a boolean', 'pipeline:\n  - tracing: { captureArguments: "${CAPTURE}" }\n'],
    ['a fixed word', 'pipeline:\n  - rateLimit: { limit: 5, mode: "${MODE}" }\n'],
    [
      'a patterned string',
      `pipeline:\n  - auth: { apiKeys: { keys: [{ id: a, sha256: "\${KEY_HASH}" }] } }\n`,
    ],
    ['a per-tool value', 'pipeline: [retry]\ntools:\n  "db_*": { retry: { retries: "${RETRIES}" } }\n'],
  ])('accepts ${VAR} where %s is expected', (_what, yaml) => {
    expect(errorsOf(yaml)).toEqual([]);
  });

  it.each([
    ['a misspelt option', 'pipeline:\n  - rateLimit: { limt: 5 }\n'],
    ['a misspelt middleware name', 'pipeline:\n  - retyr\n'],
    ['a misspelt middleware key', 'pipeline:\n  - retyr: { retries: 2 }\n'],
    ['a wrong value', 'pipeline:\n  - timeout: { timeoutMs: soon }\n'],
    ['a misspelt per-tool option', 'pipeline: [retry]\ntools:\n  x: { retry: { retires: 1 } }\n'],
    ['a misspelt top-level key', 'pipeline: [retry]\ntool: {}\n'],
  ])('gives one or two errors for %s', (_what, yaml) => {
    const errors = errorsOf(yaml);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(2);
  });

  it('accepts every form of tools: key the loader reads: glob, negation, list and annotations', () => {
    const keys = ['db_*', "'!admin_*'", "'db_*, !db_drop'", "'{ readOnlyHint: true }'"];
    expect(
      errorsOf(`pipeline: [retry]\ntools:\n${keys.map((k) => `  ${k}: { retry: false }`).join('\n')}\n`),
    ).toEqual([]);
  });

  it('refuses an empty tools: key, as the loader does', () => {
    const errors = errorsOf('pipeline: [retry]\ntools:\n  "": { retry: false }\n') as { keyword: string }[];
    expect(errors.map((error) => error.keyword)).toContain('minLength');
  });

  it('describes every option of every built-in, and gives a default where the option has one', () => {
    const schema = configJsonSchema() as { properties: { pipeline: { items: Record<string, unknown> } } };
    const objects = (schema.properties.pipeline.items.else as { properties: Record<string, unknown> })
      .properties;
    const missing: string[] = [];
    // every built-in, its docs from its declaration or option-docs.ts
    for (const entry of builtins) {
      const options = (objects[entry.name] as { properties: Record<string, { description?: string }> })
        .properties;
      for (const key of Object.keys(entry.schema.shape)) {
        if (typeof options[key]?.description !== 'string') missing.push(`${entry.name}.${key}`);
        const [description, fallback] = docsOf(entry)[key] ?? [''];
        // No default means the option is required or its default is computed, and the text says which.
        if (fallback === undefined && !/required|default|detected|none/.test(description))
          missing.push(`${entry.name}.${key} (default)`);
      }
    }
    expect(missing).toEqual([]);
  });
});
