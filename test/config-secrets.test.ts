// Config errors and `check` against secrets and throwing user code: the issue's examples (a raw API key where
// its digest belongs, a Redis URL with a password), and every way a `use:` factory, a registry entry or a
// Redis client factory can throw, each a ConfigFileError naming it, never a crash or a leaked value.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MiddlewareError, type Middleware, type ToolContext } from '@mcp-middleware/core';
import {
  ConfigFileError,
  createPipeline,
  loadConfig,
  type McpMiddlewareConfig,
  type RegistryEntry,
} from '@mcp-middleware/config';

const DIR = mkdtempSync(join(tmpdir(), 'mcp-config-secrets-'));
const API_KEY = `sk_live_${randomBytes(16).toString('hex')}`;
const PASSWORD = `pw${randomBytes(12).toString('hex')}`;
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

let n = 0;
function file(text: string, ext = 'yaml'): string {
  const path = join(DIR, `config-${++n}.${ext}`);
  writeFileSync(path, text);
  return path;
}

async function refusal(work: () => unknown): Promise<ConfigFileError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return error as ConfigFileError;
  }
  throw new Error('expected a ConfigFileError');
}

describe('config errors and secrets from the environment', () => {
  it('names ${API_KEY}, never its value, when a raw key sits where its digest belongs', async () => {
    const path = file(
      'pipeline:\n  - auth:\n      apiKeys:\n        keys:\n          - id: ci\n            sha256: "${API_KEY}"\n',
    );
    const error = await refusal(() => loadConfig(path, { env: { API_KEY } }));
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).toContain(
      `pipeline[0].auth.apiKeys.keys[0].sha256: expected 64 hex characters (sha256 of the key), got a string of ${API_KEY.length} characters from \${API_KEY} (not shown: it comes from the environment) (${path.split('/').pop()}:6)`,
    );
  });

  it('hides a Redis URL from the environment and masks the password of one written in the file', async () => {
    const path = file(
      `pipeline: []\nstores:\n  a: { type: redis, url: "\${REDIS_URL}" }\n  b: { type: redis, url: "http://app:${PASSWORD}@cache:6379" }\n`,
    );
    const error = await refusal(() =>
      loadConfig(path, { env: { REDIS_URL: `https://app:${PASSWORD}@cache:6379` } }),
    );
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).toContain('stores.a.url: expected a redis:// or rediss:// URL, got a string of');
    expect(error.message).toContain('got "http://***@cache:6379"');
  });

  it('scrubs a value from the environment that a factory quotes in its own error', async () => {
    // jwt() checks jwksUri's scheme itself (a file only knows it as a string) and quotes the origin.
    const path = file(
      'pipeline:\n  - auth:\n      jwt: { issuer: i, audience: a, algorithms: [RS256], jwksUri: "${JWKS}" }\n',
    );
    const config = loadConfig(path, { env: { JWKS: 'http://idp.internal.example' } });
    const error = await refusal(() => createPipeline(config));
    expect(error.message).not.toContain('idp.internal.example');
    expect(error.message).toMatch(/pipeline\[0\]\.auth\.jwt\.jwksUri: .*got \*\*\* \(config-\d+\.yaml:\d\)/);
  });

  it('describes each tool pipeline with ${VAR} as written, digests hidden and URL userinfo masked', async () => {
    const digest = randomBytes(32).toString('hex');
    const path = file(
      [
        'pipeline:',
        '  - auth:',
        `      apiKeys: { keys: [{ id: ci, sha256: ${digest} }, { id: ops, sha256: "\${OPS_SHA}" }] }`,
        '      jwt:',
        '        issuer: "${ISSUER}"',
        '        audience: mcp',
        '        algorithms: [RS256]',
        `        jwksUri: "https://reader:${PASSWORD}@idp.example.com/jwks"`,
        '  - rateLimit: { limit: "${LIMIT}", name: "${NAME}" }',
        'tools:',
        '  db_*: { rateLimit: { name: "${DB_NAME}" } }',
      ].join('\n'),
    );
    const env = {
      OPS_SHA: randomBytes(32).toString('hex'),
      ISSUER: `https://${API_KEY}.example.com`,
      LIMIT: '42',
      NAME: `${API_KEY}-a`,
      DB_NAME: `${API_KEY}-b`,
    };
    const built = await createPipeline(loadConfig(path, { env }));
    const shown = [...built.describe('other'), ...built.describe('db_users')].join('\n');
    await built.close();
    for (const secret of [digest, env.OPS_SHA, API_KEY, PASSWORD]) expect(shown).not.toContain(secret);
    expect(shown).toContain('"limit":"${LIMIT}"');
    expect(shown).toContain('"name":"${DB_NAME}"');
    expect(shown).toContain('"sha256":"(hidden)"');
    expect(shown).toContain('https://***@idp.example.com/jwks');
  });
});

describe('user code in a config that throws', () => {
  const modules: [string, string][] = [
    ['throws an Error quoting its options', 'export default (o) => { throw new Error(`bad ${o.token}`); };'],
    ['throws a string', "export default () => { throw 'nope'; };"],
    ['throws null', 'export default () => { throw null; };'],
    [
      'throws a revoked Proxy',
      'export default () => { const p = Proxy.revocable({}, {}); p.revoke(); throw p.proxy; };',
    ],
    ['rejects asynchronously', 'export default async (o) => { throw new TypeError(o.token); };'],
    ['returns no function', 'export default () => 42;'],
    ['exports no factory', 'export const nothing = 1;'],
    ['throws while being imported', 'throw new Error("import failed");'],
    [
      'has a schema that throws',
      'export const schema = { safeParse() { throw new Error("schema bug"); } };\nexport default () => (ctx, next) => next();',
    ],
  ];
  for (const [name, source] of modules) {
    it(`gives a ConfigFileError naming a use: module that ${name}`, async () => {
      const module = file(source, 'mjs');
      const config = loadConfig({ pipeline: [{ use: module, options: { token: API_KEY } }] }, { env: {} });
      const error = await refusal(() => createPipeline(config));
      expect(error.problems[0]?.path).toMatch(/^pipeline\[0\]/);
      expect(error.message).toContain(module);
      expect(error.message).not.toContain(API_KEY);
    });
  }

  it('gives a ConfigFileError naming a registry entry whose create throws', async () => {
    const registry: RegistryEntry[] = [
      {
        name: 'custom',
        description: 'test',
        schema: z.strictObject({ secret: z.string().optional() }),
        create: (options) => {
          throw new TypeError(`cannot use ${String(options.secret)}`);
        },
      },
    ];
    const config = loadConfig({ pipeline: [{ custom: { secret: API_KEY } }] }, { env: {}, registry });
    const error = await refusal(() => createPipeline(config, { registry }));
    expect(error.message).toContain('pipeline[0].custom: the factory of custom threw TypeError');
    expect(error.message).not.toContain(API_KEY);
  });

  it('gives a ConfigFileError naming a registry entry whose schema throws while checking', async () => {
    const registry: RegistryEntry[] = [
      {
        name: 'custom',
        description: 'test',
        schema: z.strictObject({ a: z.string() }).superRefine(() => {
          throw new Error(API_KEY);
        }),
        create: (): Middleware => (_ctx, next) => next(),
      },
    ];
    const error = await refusal(() =>
      loadConfig({ pipeline: [{ custom: { a: 'x' } }] }, { env: {}, registry }),
    );
    expect(error.message).toContain('pipeline[0].custom: the option schema of this middleware threw');
    expect(error.message).not.toContain(API_KEY);
  });

  it('answers a call INTERNAL, secrets scrubbed, when per-tool settings valid alone clash together', async () => {
    const config = loadConfig(
      {
        pipeline: ['retry'],
        tools: {
          'db_*': { retry: { backoff: { baseDelayMs: '${BASE_DELAY}' } } },
          '*_users': { retry: { backoff: { maxDelayMs: 1000 } } },
        },
      },
      { env: { BASE_DELAY: '987654' } },
    );
    const [middleware] = (await createPipeline(config)).middlewares;
    const ctx = { tool: Object.freeze({ name: 'db_users' }) } as unknown as ToolContext;
    const failure = await (middleware as Middleware)(ctx, () =>
      Promise.reject(new Error('not reached')),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MiddlewareError);
    expect((failure as MiddlewareError).code).toBe('INTERNAL');
    expect((failure as Error).message).toContain('per-tool settings of retry for tool "db_users"');
    expect((failure as Error).message).not.toContain('987654');
  });

  it('gives a ConfigFileError naming the store whose Redis client factory throws', async () => {
    const config: McpMiddlewareConfig = loadConfig(
      { pipeline: [], stores: { shared: { type: 'redis', url: '${REDIS_URL}' } } },
      { env: { REDIS_URL: `redis://app:${PASSWORD}@cache:6379` } },
    );
    const error = await refusal(() =>
      createPipeline(config, {
        redisClient: (url) => {
          throw new Error(`cannot reach ${url}`);
        },
      }),
    );
    expect(error.message).toContain('stores.shared.url: the Redis client factory threw Error');
    expect(error.message).not.toContain(PASSWORD);
  });
});
