// The auth, rateLimit, concurrencyLimit and cache sections of a config file: requirement maps, `forbidden`,
// `operations`, each checked with the file's path and line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import { createPipeline } from './pipeline.js';
import { configJsonSchema } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'config-access-'));
let files = 0;

/** The problems a YAML config file gets, each as `path: message @line`. */
function problemsOf(yaml: string): string[] {
  const path = join(dir, `c${++files}.yaml`);
  writeFileSync(path, yaml);
  try {
    loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigFileError)
      return error.problems.map((p) => `${p.path}: ${p.message}${p.line === undefined ? '' : ` @${p.line}`}`);
    throw error;
  }
  return [];
}

describe('auth in a config file', () => {
  it('accepts prompts and resources requirement maps and forbidden', () => {
    expect(
      problemsOf(
        'pipeline:\n  - auth:\n      forbidden: refuse\n      prompts: { "admin_*": { scopes: [admin] } }\n' +
          '      resources: { "file:///secret/*": { roles: [ops] } }\n',
      ),
    ).toEqual([]);
  });

  it('names the bad requirement with its line', () => {
    expect(problemsOf('pipeline:\n  - auth:\n      resources:\n        "a://*": { scope: [x] }\n')).toEqual([
      'pipeline[0].auth.resources["a://*"].scope: unknown option (did you mean scopes?); known: scopes, roles @4',
    ]);
  });

  it('refuses a forbidden answer other than hide or refuse', () => {
    expect(problemsOf('pipeline:\n  - auth:\n      forbidden: silent\n')).toEqual([
      'pipeline[0].auth.forbidden: expected one of "hide", "refuse", got "silent" @3',
    ]);
  });

  it('builds an auth that hides a prompt from a caller without its scope', async () => {
    const built = await createPipeline(
      loadConfig({ pipeline: [{ auth: { prompts: { 'admin_*': { scopes: ['admin'] } } } }] }),
    );
    const [auth] = built.middlewares;
    expect(Object.keys(auth?.requests ?? {}).sort()).toEqual([
      '*',
      'completion/complete',
      'prompts/get',
      'prompts/list',
    ]);
  });
});

describe('operations in a config file', () => {
  it('accepts the operations each middleware covers', () => {
    expect(
      problemsOf(
        'pipeline:\n  - rateLimit: { limit: 5, operations: [tools/call, resources/read] }\n' +
          '  - concurrencyLimit: { max: 2, operations: [prompts/get] }\n' +
          '  - cache: { operations: [resources/read] }\n',
      ),
    ).toEqual([]);
  });

  it('names an operation a middleware cannot cover, with its line', () => {
    expect(problemsOf('pipeline:\n  - cache:\n      operations: [prompts/get]\n')).toEqual([
      'pipeline[0].cache.operations[0]: expected one of "tools/call", "resources/read", got "prompts/get" @3',
    ]);
    expect(problemsOf('pipeline:\n  - rateLimit: { limit: 1, operations: [tools/list] }\n')).toEqual([
      expect.stringMatching(
        /^pipeline\[0\]\.rateLimit\.operations\[0\]: expected one of .*"tools\/list" @2$/,
      ),
    ]);
  });

  it('refuses an empty or repeated list', () => {
    expect(problemsOf('pipeline:\n  - concurrencyLimit: { max: 1, operations: [] }\n')).toEqual([
      'pipeline[0].concurrencyLimit.operations: expected at least one operation, got a list of 0 @2',
    ]);
    expect(
      problemsOf('pipeline:\n  - rateLimit: { limit: 1, operations: [prompts/get, prompts/get] }\n'),
    ).toEqual(['pipeline[0].rateLimit.operations: expected each operation once, got a list of 2 @2']);
  });

  it('builds a rateLimit with a step for resources/read', async () => {
    const built = await createPipeline(
      loadConfig({ pipeline: [{ rateLimit: { limit: 1, operations: ['resources/read'] } }] }),
    );
    expect(Object.keys(built.middlewares[0]?.requests ?? {})).toEqual(['resources/read']);
  });
});

describe('the JSON Schema', () => {
  it('lists the new options of auth, the limiters and cache, and auto for validation.toolSchemas', () => {
    const text = JSON.stringify(configJsonSchema());
    for (const needle of [
      '"forbidden"',
      '"prompts"',
      '"resources"',
      '"operations"',
      '"completion/complete"',
      '"auto"',
    ]) {
      expect(text).toContain(needle);
    }
  });
});
