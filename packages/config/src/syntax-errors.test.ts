import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigFileError, formatProblem } from './errors.js';
import { findJsonMistake } from './json-syntax.js';
import { loadConfig } from './load.js';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'config-syntax-')), name);
  writeFileSync(path, text);
  return path;
}

function problems(path: string): string[] {
  try {
    loadConfig(path, { env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected a ConfigFileError');
}

const REALISTIC = [
  'pipeline:',
  '  - tracing',
  '  - metrics',
  '  - auth: { authInfo: true }',
  '  - rateLimit: { limit: 60, store: shared }',
  '  - cache: { ttlMs: 30000, store: shared }',
  '  - retry',
  '  - timeout: { timeoutMs: 5000 }',
  'tools:',
  ...Array.from({ length: 40 }, (_, i) => `  tool_${i}: { rateLimit: { limit: ${i + 1} } }`),
  'stores:',
  '  shared: { type: redis, url: ${REDIS_URL}, prefix: "app:" }',
].join('\n');

describe('YAML syntax errors', () => {
  it('reports an unquoted ${VAR} in a flow map once, at its line, with the quoted fix', () => {
    const path = file('a.yaml', 'pipeline: [retry]\nstores:\n  shared: { type: redis, url: ${REDIS_URL} }\n');
    expect(problems(path)).toEqual([
      'a.yaml:3: not valid YAML: an unquoted ${…} inside { … } or [ … ] is read as YAML syntax; quote it: "${REDIS_URL}"',
    ]);
  });

  it('reports one problem for a long file with one mistake, not a cascade', () => {
    expect(problems(file('big.yaml', REALISTIC))).toEqual([
      'big.yaml:51: not valid YAML: an unquoted ${…} inside { … } or [ … ] is read as YAML syntax; quote it: "${REDIS_URL}"',
    ]);
  });

  it('reports another syntax error with its line and column', () => {
    expect(problems(file('b.yaml', 'pipeline:\n  - retry\n  - rateLimit: { limit: 3 ]\n'))).toEqual([
      expect.stringMatching(/^b\.yaml:3: not valid YAML at column \d+: /) as unknown as string,
    ]);
  });
});

describe('JSON files', () => {
  it('refuses a trailing comma, naming its line and column', () => {
    const path = file('c.json', '{\n  "pipeline": [\n    "retry",\n  ]\n}\n');
    expect(problems(path)).toEqual([
      'c.json:3: not valid JSON at column 12: a trailing comma (JSON allows none)',
    ]);
  });

  it('refuses YAML in a .json file', () => {
    expect(problems(file('d.json', 'pipeline: [retry]\n'))).toEqual([
      'd.json:1: not valid JSON at column 1: expected a value, found "p"',
    ]);
  });

  it('loads a well-formed JSON file', () => {
    expect(loadConfig(file('e.json', '{ "pipeline": ["retry"] }')).pipeline[0]?.name).toBe('retry');
  });
});

describe('findJsonMistake', () => {
  it.each([
    '{}',
    '[]',
    '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}',
    ' \n 0 ',
    '{"a":1,}',
    '[1,]',
    '{a:1}',
    "{'a':1}",
    '[01]',
    '[1.]',
    '"\t"',
    '"abc',
    '{"a" 1}',
    '[1 2]',
    'tru',
    '{} {}',
    '',
    '[',
    '-',
    '{"a":1,,"b":2}',
  ])('agrees with JSON.parse on %j', (text) => {
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    expect(findJsonMistake(text) === undefined).toBe(parses);
  });
});
