// Hostile config files and secrets in config errors, as classes: every malformed file gives a ConfigFileError
// naming the file (and line), loading is linear (work counted, never timed), and no error text or `check`
// table shows a value from the environment or under a secret-like key.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { builtins, ConfigFileError, loadConfig } from '@mcp-middleware/config';
import { runCli } from '@mcp-middleware/cli';
import { parseConfigText } from '../../packages/config/src/yaml-tree.js';
import { table, writeProofSection } from './report.js';

const DIR = mkdtempSync(join(tmpdir(), 'mcp-proof-config-files-'));
const SECRET = `sk_live_${randomBytes(18).toString('hex')}`;
const SECRET_NUMBER = '98765432123457';
const SECRET_NEGATIVE = '-98765432123459';
const PASSWORD = `pw-${randomBytes(10).toString('hex')}`;
const SECRETS = [SECRET, SECRET_NUMBER, SECRET_NEGATIVE.slice(1), PASSWORD];

let written = 0;
function write(name: string, content: string | Buffer): string {
  const path = join(DIR, `${++written}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** The ConfigFileError loading `path` gives; fails the test on success or on any other error type. */
function refusal(path: string, env: Record<string, string> = {}): ConfigFileError {
  try {
    loadConfig(path, { env, localOverride: false });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return error as ConfigFileError;
  }
  throw new Error(`${basename(path)} loaded`);
}

const leaked = (text: string): string[] => SECRETS.filter((s) => text.includes(s));

const hostile = { tried: 0, refused: 0, withLine: 0 };
const secrets = { cases: 0, errorTexts: 0, checkTables: 0, echoed: 0, withFileLineFieldFix: 0 };
const work: [string, number, number][] = [];

afterAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  writeProofSection(
    'config-files',
    [
      '## Hostile config files and secrets in config errors',
      '',
      table(
        ['class', 'tried', 'result'],
        [
          [
            'malformed files (alias bombs, deep nesting, huge, binary, BOMs, bad UTF-8, duplicate keys, odd roots…)',
            hostile.tried,
            `${hostile.refused} ConfigFileError naming the file (${hostile.withLine} with a line), 0 other errors`,
          ],
          [
            'secret values × fields × error kinds (wrong type, out of range, unknown enum value, bad format)',
            secrets.cases,
            `${secrets.errorTexts} error texts, ${secrets.withFileLineFieldFix} naming file, line, field and fix; ${secrets.echoed} secrets echoed`,
          ],
          [
            '`mcp-middleware check` tables with secrets in the config',
            secrets.checkTables,
            `${secrets.echoed} secrets echoed`,
          ],
        ],
      ),
      '',
      'Linear loading, by work counted in the YAML-to-value pass (nodes visited and key lookups), not by time:',
      '',
      table(
        ['file', 'keys', 'work'],
        work.map(([name, keys, units]) => [name, keys, units]),
      ),
    ].join('\n'),
  );
});

describe('hostile config files', () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    'pipeline: *g',
  ].join('\n');
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
  const cases: [name: string, content: string | Buffer, line: number | undefined][] = [
    ['alias bomb (billion laughs)', bomb, 8],
    ['alias to its own ancestor', 'pipeline: &p\n  - retry\n  - *p\n', undefined],
    ['alias to no anchor', 'pipeline: *nothing\n', 1],
    ['deep flow nesting', `pipeline: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, 1],
    ['deep flow maps', `pipeline: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`, 1],
    ['compact nesting on one line', `pipeline:\n  ${'- '.repeat(5_000)}retry\n`, 2],
    [
      'deep block nesting',
      `pipeline: []\ntools:\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')} 1\n`,
      undefined,
    ],
    ['file over 1 MiB', `pipeline: []\n# ${'x'.repeat(1024 * 1024)}\n`, undefined],
    ['binary garbage', garbage, 1],
    ['NUL bytes after valid YAML', 'pipeline: [retry]\n\0\0\0\n', 2],
    [
      'UTF-16 LE with BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('pipeline: []\n', 'utf16le')]),
      1,
    ],
    ['UTF-16 BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('\0p\0i')]), 1],
    [
      'UTF-8 BOM before garbage',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('pipeline: [\n')]),
      2,
    ],
    ['invalid UTF-8: lone continuation byte', Buffer.from([0x70, 0x3a, 0x0a, 0x80, 0x0a]), 2],
    ['invalid UTF-8: overlong slash', Buffer.from([0x70, 0x3a, 0x20, 0xc0, 0xaf, 0x0a]), 1],
    ['invalid UTF-8: encoded surrogate', Buffer.from([0x0a, 0x0a, 0x70, 0x3a, 0x20, 0xed, 0xa0, 0x80]), 3],
    ['invalid UTF-8: truncated sequence', Buffer.from([0x70, 0x3a, 0x20, 0xe2, 0x82]), 1],
    ['invalid UTF-8: past U+10FFFF', Buffer.from([0x70, 0x3a, 0x20, 0xf4, 0x90, 0x80, 0x80]), 1],
    ['duplicate root key', 'pipeline: []\npipeline: [retry]\n', 2],
    ['duplicate nested key', 'pipeline:\n  - rateLimit:\n      limit: 1\n      limit: 2\n', 4],
    ['duplicate keys in JSON', '{\n  "pipeline": [],\n  "pipeline": []\n}\n', 3],
    ['a list as root', '- retry\n- timeout\n', 1],
    ['a string as root', 'just some text\n', 1],
    ['a number as root', '42\n', 1],
    ['an empty file', '', undefined],
    ['only comments', '# nothing here\n', undefined],
    ['null root', '~\n', 1],
    ['several documents', 'pipeline: []\n---\npipeline: []\n', 2],
    // The parser sees these at the end of the input, on the line after the last.
    ['unterminated quote', 'pipeline: ["retry\n', 2],
    ['unclosed flow list', 'pipeline: [retry\n', 2],
    ['tab indentation', 'pipeline:\n\t- retry\n', 2],
    ['a map as a key', '? { a: 1 }\n: pipeline\npipeline: []\n', 1],
    ['__proto__ key', 'pipeline: []\ntools:\n  __proto__: { retry: false }\n', 3],
    ['constructor key', 'pipeline:\n  - retry: { constructor: 1 }\n', 2],
    ['two anchors on one node', 'pipeline: &a &b []\n', 1],
    ['a pile of anchors and tags', `pipeline: ${'&a !t '.repeat(100_000)}[]\n`, 1],
    ['a closing bracket per byte', `pipeline: []\n${']'.repeat(500_000)}\n`, 2],
    ['a syntax error per line', `pipeline: []\n${'a: b: c\n'.repeat(50_000)}`, 2],
    ['unknown tag', 'pipeline: !js/function "x"\n', 1],
    ['JSON with trailing garbage', '{ "pipeline": [] } }\n', 1],
    ['JSON with a comment-like line', '{\n  "pipeline": []\n  // no\n}\n', 3],
    ['many unknown keys', Array.from({ length: 5_000 }, (_, i) => `k${i}: 1`).join('\n'), 1],
  ];

  for (const [name, content, line] of cases) {
    it(`refuses ${name} with a ConfigFileError naming the file${line === undefined ? '' : ` and line ${line}`}`, () => {
      const ext = name.includes('JSON') ? 'json' : 'yaml';
      const path = write(`${name.replace(/\W+/g, '-')}.${ext}`, content);
      const error = refusal(path);
      hostile.tried++;
      hostile.refused++;
      expect(error.message).toContain(basename(path));
      expect(error.problems.length).toBeGreaterThan(0);
      // The message stays readable whatever the file: at most 50 problems listed, keys cut.
      expect(error.message.split('\n').length).toBeLessThanOrEqual(52);
      expect(error.message.length).toBeLessThan(20_000);
      if (line !== undefined) {
        expect(error.problems.map((p) => p.line)).toContain(line);
        // `file:line: message` for a file-level problem, `path: message (file:line)` for one at a key.
        expect(error.message).toMatch(new RegExp(`${basename(path).replace(/[.()]/g, '\\$&')}:${line}[:)]`));
        hostile.withLine++;
      }
    });
  }

  it('refuses a directory, a missing file and a FIFO-like non-file with a ConfigFileError', () => {
    const dir = join(DIR, 'a-directory.yaml');
    mkdirSync(dir);
    for (const path of [dir, join(DIR, 'missing.yaml'), '/dev/zero', '/dev/null']) {
      const error = refusal(path);
      expect(error.message).toContain(basename(path));
      hostile.tried++;
      hostile.refused++;
    }
  });

  it('loads a file that starts with a UTF-8 BOM', () => {
    const path = write('bom.yaml', '\ufeffpipeline:\n  - retry\n');
    expect(loadConfig(path, { env: {} }).pipeline.map((e) => e.name)).toEqual(['retry']);
  });

  it('loads the 40 000-key file', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `  t${i}: { retry: {} }`).join('\n');
    const path = write('forty-thousand.yaml', `pipeline: [retry]\ntools:\n${keys}\n`);
    const config = loadConfig(path, { env: {} });
    expect(Object.keys(config.tools)).toHaveLength(40_000);
  });

  it('does work linear in the number of keys (counted for n and 2n keys, flat and nested)', () => {
    const flat = (n: number): string =>
      `pipeline: []\ntools:\n${Array.from({ length: n }, (_, i) => `  t${i}: { retry: {} }`).join('\n')}\n`;
    const nested = (n: number): string =>
      `pipeline: []\ntools:\n  t:\n    validation:\n      forbiddenKeys:\n${Array.from({ length: n }, (_, i) => `        - k${i}`).join('\n')}\n`;
    for (const [name, make] of [
      ['flat tool keys', flat],
      ['list items', nested],
    ] as const) {
      const units = (n: number): number => parseConfigText(make(n), `${name}.yaml`, 'YAML').work;
      const [one, two] = [units(10_000), units(20_000)];
      work.push([name, 10_000, one], [name, 20_000, two]);
      // Quadratic work would quadruple; linear work doubles, give or take the fixed part.
      expect(two / one).toBeGreaterThan(1.9);
      expect(two / one).toBeLessThan(2.1);
      expect(one).toBeLessThanOrEqual(4 * 10_000 + 50);
    }
  });
});

// ---- secrets: every field of every built-in × every kind of validation error ----

// The options without which a built-in is refused, so a per-tool override of it can be checked.
const REQUIRED: Record<string, Record<string, unknown>> = {
  rateLimit: { limit: 1 },
  concurrencyLimit: { max: 1 },
  timeout: { timeoutMs: 1 },
};

type Kind = 'wrong type' | 'out of range' | 'unknown enum value' | 'bad format';
interface Leaf {
  readonly path: (string | number)[];
  readonly kinds: [Kind, string][];
}

const defOf = (schema: unknown): Record<string, unknown> => (schema as { def: Record<string, unknown> }).def;

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (['optional', 'default', 'nullable'].includes(defOf(current).type as string))
    current = defOf(current).innerType as z.ZodType;
  return current;
}

/** Each leaf of a built-in's option schema, with the hostile values that make each kind of error there. */
function leavesOf(schema: z.ZodType, path: (string | number)[] = []): Leaf[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  const checks = (def.checks as unknown[] | undefined) ?? [];
  switch (def.type) {
    case 'object': {
      const shape = (inner as unknown as { shape: Record<string, z.ZodType> }).shape;
      const own: Leaf[] = path.length === 0 ? [] : [{ path, kinds: [['wrong type', SECRET]] }];
      return [...own, ...Object.entries(shape).flatMap(([key, child]) => leavesOf(child, [...path, key]))];
    }
    case 'array':
      return [{ path, kinds: [['wrong type', SECRET]] }, ...leavesOf(def.element as z.ZodType, [...path, 0])];
    case 'record':
      return [{ path, kinds: [['wrong type', SECRET]] }];
    case 'number':
      return [
        {
          path,
          kinds: [
            ['wrong type', SECRET],
            ['out of range', SECRET_NEGATIVE],
          ],
        },
      ];
    case 'boolean':
      return [{ path, kinds: [['wrong type', SECRET]] }];
    case 'enum':
      return [
        {
          path,
          kinds: [
            ['unknown enum value', SECRET],
            ['wrong type', SECRET_NUMBER],
          ],
        },
      ];
    case 'union':
      return [{ path, kinds: [['wrong type', SECRET_NUMBER]] }];
    case 'string': {
      const format = checks.some(
        (c) => (c as { _zod: { def: { format?: string } } })._zod.def.format === 'regex',
      );
      return [
        {
          path,
          kinds: format
            ? [
                ['bad format', SECRET],
                ['wrong type', SECRET_NUMBER],
              ]
            : [['wrong type', SECRET_NUMBER]],
        },
      ];
    }
    default:
      return [];
  }
}

function setIn(path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  return typeof head === 'number' ? [setIn(rest, value)] : { [head as string]: setIn(rest, value) };
}

function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((key, i) =>
      typeof key === 'number'
        ? `[${key}]`
        : /^[A-Za-z_$][\w$]*$/.test(key)
          ? `${i === 0 ? '' : '.'}${key}`
          : `[${JSON.stringify(key)}]`,
    )
    .join('');
}

/** Loads `config` written as indented JSON; checks the problem at `field` and that no secret shows. */
function expectHidden(
  config: unknown,
  field: (string | number)[],
  env: Record<string, string>,
  marker: string,
): void {
  const text = JSON.stringify(config, null, 2);
  const path = write('secret-case.json', text);
  const line = text.split('\n').findIndex((l) => l.includes(marker)) + 1;
  const error = refusal(path, env);
  secrets.cases++;
  secrets.errorTexts++;
  const all = [error.message, ...error.problems.map((p) => `${p.path} ${p.message}`)].join('\n');
  secrets.echoed += leaked(all).length;
  expect(leaked(all), all).toEqual([]);
  const at = formatPath(field);
  const row = error.message.split('\n').find((l) => l.startsWith(`  ${at}: `));
  expect(row, `no problem at ${at} in:\n${error.message}`).toBeDefined();
  expect(row).toContain('expected');
  expect(row).toContain(`(${basename(path)}:${line})`);
  secrets.withFileLineFieldFix++;
}

describe('no config error echoes a secret', () => {
  for (const entry of builtins) {
    it(`hides environment values and secret-like keys in every field of ${entry.name}, for every kind of error`, () => {
      const leaves = leavesOf(entry.schema);
      expect(leaves.length).toBeGreaterThan(0);
      for (const { path, kinds } of leaves) {
        for (const [, value] of kinds) {
          // From the environment, in the pipeline entry and in a per-tool override.
          const env = { SECRET_VALUE: value };
          const options = setIn(path, '${SECRET_VALUE}');
          expectHidden(
            { pipeline: [{ [entry.name]: options }] },
            ['pipeline', 0, entry.name, ...path],
            env,
            '${SECRET_VALUE}',
          );
          expectHidden(
            {
              pipeline: [{ [entry.name]: REQUIRED[entry.name] ?? {} }],
              tools: { 'db_*': { [entry.name]: options } },
            },
            ['tools', 'db_*', entry.name, ...path],
            env,
            '${SECRET_VALUE}',
          );
          // Written in the file under a secret-like key.
          if (path.some((key) => typeof key === 'string' && /(sha256|secret|token|password|key)$/i.test(key)))
            expectHidden(
              { pipeline: [{ [entry.name]: setIn(path, value) }] },
              ['pipeline', 0, entry.name, ...path],
              {},
              value,
            );
        }
      }
    });
  }

  it('hides a store URL from the environment and masks the userinfo of one written in the file', () => {
    const url = `http://app:${PASSWORD}@redis.internal:6379`;
    for (const [value, env] of [
      ['${REDIS_URL}', { REDIS_URL: url }],
      [url, {}],
      [`redis://app:${PASSWORD}@`.replace('redis', 'tcp'), {}],
      [`http://${PASSWORD}@${SECRET}/x`, {}],
    ] as const) {
      expectHidden(
        { pipeline: [], stores: { shared: { type: 'redis', url: value } } },
        ['stores', 'shared', 'url'],
        env,
        value,
      );
    }
  });
});

describe('mcp-middleware check prints no secret', () => {
  it('shows environment values as written, digests hidden and URL userinfo masked', async () => {
    const digest = randomBytes(32).toString('hex');
    const config = {
      pipeline: [
        { logging: { redact: ['${REDACT_FIELD}'] } },
        {
          auth: {
            apiKeys: {
              keys: [
                { id: 'ci', sha256: digest },
                { id: 'ops', sha256: '${OPS_KEY_SHA256}' },
              ],
            },
            jwt: {
              issuer: '${ISSUER}',
              audience: 'https://mcp.example.com',
              algorithms: ['RS256'],
              jwksUri: `https://reader:${PASSWORD}@idp.example.com/jwks`,
            },
          },
        },
        { rateLimit: { limit: '${LIMIT}', name: '${LIMIT_NAME}' } },
        { cache: { tools: ['${CACHED_TOOL}'] } },
      ],
      tools: { 'db_*': { rateLimit: { name: '${DB_LIMIT_NAME}' } } },
    };
    const path = write('check.json', JSON.stringify(config, null, 2));
    const env = {
      REDACT_FIELD: `${SECRET}-field`,
      OPS_KEY_SHA256: randomBytes(32).toString('hex'),
      ISSUER: `https://${SECRET}.example.com`,
      LIMIT: '42',
      LIMIT_NAME: `${SECRET}-name`,
      CACHED_TOOL: `${SECRET}-tool`,
      DB_LIMIT_NAME: `${SECRET}-db`,
    };
    let out = '';
    let err = '';
    // `check` reads variables from the process environment, as the command does.
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    let code: number;
    try {
      code = await runCli(['check', '--config', path], {
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
        env: process.env,
        onSignal: () => () => undefined,
      });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(err).toBe('');
    expect(code).toBe(0);
    secrets.checkTables++;
    const found = [...leaked(out), ...[digest, env.OPS_KEY_SHA256].filter((s) => out.includes(s))];
    secrets.echoed += found.length;
    expect(found).toEqual([]);
    expect(out).toContain('${LIMIT_NAME}');
    expect(out).toContain('${DB_LIMIT_NAME}');
    expect(out).toContain('(hidden)');
    expect(out).toContain('https://***@idp.example.com/jwks');
  });
});
