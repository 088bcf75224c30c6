import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Middleware } from '@mcp-middleware/core';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import type { RegistryEntry } from './registry.js';
import { durationMs, positiveCount } from './schema-helpers.js';

const pass: Middleware = (_ctx, next) => next();
const registry: RegistryEntry[] = [
  {
    name: 'rateLimit',
    description: 'test',
    schema: z.strictObject({
      limit: positiveCount().optional(),
      windowMs: durationMs().optional(),
      store: z.string().optional(),
    }),
    create: () => pass,
  },
  {
    name: 'retry',
    description: 'test',
    schema: z.strictObject({ retries: positiveCount().optional() }),
    create: () => pass,
  },
];

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigFileError)
      return error.problems.map((p) => `${p.path}: ${p.message}${p.line === undefined ? '' : ` @${p.line}`}`);
    throw error;
  }
  throw new Error('expected a ConfigFileError');
}

describe('loadConfig', () => {
  it('loads a YAML pipeline in order with its options', () => {
    const config = loadConfig(
      file('a.yaml', 'pipeline:\n  - rateLimit: { limit: 5, windowMs: 1000 }\n  - retry\n'),
      { registry },
    );
    expect(config.pipeline).toEqual([
      { name: 'rateLimit', options: { limit: 5, windowMs: 1000 } },
      { name: 'retry', options: {} },
    ]);
  });

  it('loads JSON the same way, with line numbers', () => {
    const path = file('a.json', '{\n  "pipeline": [\n    { "rateLimit": { "limit": 0 } }\n  ]\n}\n');
    expect(problemsOf(() => loadConfig(path, { registry }))).toEqual([
      'pipeline[0].rateLimit.limit: expected a positive integer, got 0 @3',
    ]);
  });

  it('names path, expectation, input and line for a wrong type', () => {
    const path = file('a.yaml', 'pipeline:\n  - retry\n  - rateLimit:\n      windowMs: 1m\n');
    expect(problemsOf(() => loadConfig(path, { registry }))).toEqual([
      'pipeline[1].rateLimit.windowMs: expected a positive integer (milliseconds), got "1m" @4',
    ]);
  });

  it('reports an unknown option with a did-you-mean', () => {
    const path = file('a.yaml', 'pipeline:\n  - rateLimit: { limt: 5 }\n');
    expect(problemsOf(() => loadConfig(path, { registry }))).toEqual([
      'pipeline[0].rateLimit.limt: unknown option (did you mean limit?); known: limit, windowMs, store @2',
    ]);
  });

  it('reports an unknown middleware with a did-you-mean', () => {
    const path = file('a.yaml', 'pipeline:\n  - ratelimit: {}\n');
    expect(problemsOf(() => loadConfig(path, { registry }))[0]).toMatch(
      /^pipeline\[0\]\.ratelimit: unknown middleware \(did you mean rateLimit\?\)/,
    );
  });

  it('fills ${VAR} and ${VAR:-default} from the environment, keeping numbers numeric', () => {
    const path = file(
      'a.yaml',
      'pipeline:\n  - rateLimit: { limit: "${LIMIT}", windowMs: "${WINDOW:-60000}" }\n',
    );
    const config = loadConfig(path, { registry, env: { LIMIT: '7' } });
    expect(config.pipeline[0]?.options).toEqual({ limit: 7, windowMs: 60000 });
  });

  it('names a missing environment variable and where it was used', () => {
    const path = file('a.yaml', 'pipeline:\n  - rateLimit: { store: "${STORE}" }\n');
    expect(problemsOf(() => loadConfig(path, { registry, env: {} }))).toEqual([
      'pipeline[0].rateLimit.store: environment variable STORE is not set; set it or write ${STORE:-default} @2',
    ]);
  });

  it('merges a .local override file beside the main one', () => {
    const path = file('mcp-middleware.yaml', 'pipeline:\n  - rateLimit: { limit: 5 }\n');
    writeFileSync(path.replace('.yaml', '.local.yaml'), 'tools:\n  db_*: { rateLimit: { limit: 1 } }\n');
    const config = loadConfig(path, { registry });
    expect(config.tools).toEqual({ 'db_*': { rateLimit: { limit: 1 } } });
  });

  it('refuses a per-tool setting for a middleware not in the pipeline', () => {
    const path = file('a.yaml', 'pipeline:\n  - rateLimit\ntools:\n  delete_user: { retry: false }\n');
    expect(problemsOf(() => loadConfig(path, { registry }))).toEqual([
      'tools.delete_user.retry: retry is not in the pipeline; add it there to set it per tool @4',
    ]);
  });

  it('reports a missing file clearly', () => {
    expect(problemsOf(() => loadConfig('/nonexistent/mcp.yaml', { registry }))).toEqual([
      ': cannot read the config file: no such file',
    ]);
  });

  it('refuses prototype-polluting keys', () => {
    const path = file('a.yaml', 'pipeline:\n  - rateLimit: { __proto__: { polluted: 1 } }\n');
    expect(problemsOf(() => loadConfig(path, { registry }))[0]).toMatch(/the key "__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses prototype-polluting keys in a config given as an object', () => {
    const input = JSON.parse(
      '{"pipeline":["retry"],"tools":{"__proto__":{"retry":{"retries":1}}}}',
    ) as Record<string, unknown>;
    expect(problemsOf(() => loadConfig(input, { registry, env: {} }))).toEqual([
      'tools.__proto__: the key "__proto__" is not allowed',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const path = file('a.yaml', 'pipeline:\n  - rateLimit: { limit: 5\n');
    expect(problemsOf(() => loadConfig(path, { registry }))[0]).toMatch(
      /^: not valid YAML at column \d+: .* @3$/,
    );
  });
});
