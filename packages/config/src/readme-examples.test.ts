// Every YAML config in the READMEs loads, and the JSON Schema accepts it as written.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { configJsonSchema } from './schema.js';

const ROOT = new URL('../../../', import.meta.url);
const READMES = [
  'README.md',
  ...readdirSync(new URL('packages/', ROOT)).map((dir) => `packages/${dir}/README.md`),
  ...readdirSync(new URL('examples/', ROOT)).map((dir) => `examples/${dir}/README.md`),
];

/** Each ```yaml block holding a `pipeline:` (indented blocks in lists too), with where it is. */
function examples(): [string, string][] {
  const found: [string, string][] = [];
  for (const readme of READMES) {
    let text: string;
    try {
      text = readFileSync(new URL(readme, ROOT), 'utf8');
    } catch {
      continue;
    }
    for (const match of text.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```/gm)) {
      const indent = (match[1] as string).length;
      const body = (match[2] as string)
        .split('\n')
        .map((line) => line.slice(indent))
        .join('\n');
      const line = text.slice(0, match.index).split('\n').length;
      if (/^pipeline:/m.test(body)) found.push([`${readme}:${line}`, body]);
    }
  }
  found.push([
    'examples/demo/mcp-middleware.yaml',
    readFileSync(new URL('examples/demo/mcp-middleware.yaml', ROOT), 'utf8'),
  ]);
  return found;
}

const ENV = { REDIS_URL: 'redis://127.0.0.1:6379', API_KEY_SHA256: 'a'.repeat(64) };
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(configJsonSchema());

describe('README config examples', () => {
  it('finds the examples it checks', () => {
    expect(examples().length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples())('%s loads', (_where, yaml) => {
    const path = join(mkdtempSync(join(tmpdir(), 'readme-config-')), 'mcp-middleware.yaml');
    writeFileSync(path, yaml);
    expect(loadConfig(path, { env: ENV }).pipeline.length).toBeGreaterThan(0);
  });

  it.each(examples())('%s passes the JSON Schema', (_where, yaml) => {
    validate(parse(yaml));
    expect(validate.errors ?? []).toEqual([]);
  });
});
