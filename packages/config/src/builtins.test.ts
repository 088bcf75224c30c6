import { describe, expect, it } from 'vitest';
import { ConfigFileError } from './errors.js';
import { loadConfig } from './load.js';
import { configJsonSchema } from './schema.js';
import { createPipeline } from './pipeline.js';

function problemsOf(input: unknown): string[] {
  try {
    loadConfig(input as Record<string, unknown>);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected the config to be refused');
}

// Each malformed config, and the exact message a user sees for it.
const malformed: [string, unknown, string[]][] = [
  ['no pipeline', {}, ['pipeline: expected a list of middlewares (outermost first), got nothing']],
  [
    'pipeline not a list',
    { pipeline: { retry: {} } },
    ['pipeline: expected a list of middlewares (outermost first), got an object'],
  ],
  [
    'unknown root key',
    { pipeline: [], tool: {} },
    ['tool: unknown key (did you mean tools?); known: $schema, pipeline, tools, stores'],
  ],
  [
    'misspelt middleware',
    { pipeline: [{ retyr: {} }] },
    [
      'pipeline[0].retyr: unknown middleware (did you mean retry?); known: tracing, metrics, logging, auth, rateLimit, concurrencyLimit, validation, approval, idempotency, cache, retry, circuitBreaker, timeout, or { use: "module" }',
    ],
  ],
  [
    'two middlewares in one entry',
    { pipeline: [{ retry: {}, timeout: { timeoutMs: 5 } }] },
    ['pipeline[0]: expected exactly one middleware name as key, got retry, timeout'],
  ],
  [
    'a number as entry',
    { pipeline: [5] },
    ['pipeline[0]: expected a middleware such as { rateLimit: { … } }, got 5'],
  ],
  [
    'duration as text',
    { pipeline: [{ rateLimit: { limit: 5, windowMs: '1m' } }] },
    ['pipeline[0].rateLimit.windowMs: expected an integer ≥ 1, got "1m"'],
  ],
  [
    'missing limit',
    { pipeline: [{ rateLimit: { windowMs: 1000 } }] },
    ['pipeline[0].rateLimit.limit: expected an integer from 1 to 1000000000, got nothing'],
  ],
  [
    'zero limit',
    { pipeline: [{ rateLimit: { limit: 0 } }] },
    ['pipeline[0].rateLimit.limit: expected an integer from 1 to 1000000000, got 0'],
  ],
  [
    'unknown mode',
    { pipeline: [{ rateLimit: { limit: 1, mode: 'drop' } }] },
    ['pipeline[0].rateLimit.mode: expected one of "reject", "queue", got "drop"'],
  ],
  [
    'unknown key part',
    { pipeline: [{ rateLimit: { limit: 1, keyBy: ['user'] } }] },
    [
      'pipeline[0].rateLimit.keyBy: expected "principal", "tool", "client", "session", "global" or a list of them, got a list of 1',
    ],
  ],
  [
    'negative retries',
    { pipeline: [{ retry: { retries: -1 } }] },
    ['pipeline[0].retry.retries: expected an integer from 0 to 100, got -1'],
  ],
  [
    'threshold above 100',
    { pipeline: [{ circuitBreaker: { errorThresholdPercentage: 150 } }] },
    ['pipeline[0].circuitBreaker.errorThresholdPercentage: expected a number from 0 to 100, got 150'],
  ],
  [
    'zero timeout',
    { pipeline: [{ timeout: { timeoutMs: 0 } }] },
    ['pipeline[0].timeout.timeoutMs: expected an integer from 1 to 2147483647, got 0'],
  ],
  [
    'misspelt option',
    { pipeline: [{ timeout: { timeoutMS: 5 } }] },
    ['pipeline[0].timeout.timeoutMS: unknown option (did you mean timeoutMs?); known: timeoutMs, operations'],
  ],
  [
    'JWT without audience',
    {
      pipeline: [
        {
          auth: {
            jwt: {
              issuer: 'https://issuer.test',
              algorithms: ['RS256'],
              jwksUri: 'https://issuer.test/jwks',
            },
          },
        },
      ],
    },
    [
      'pipeline[0].auth.jwt.audience: expected this server as the audience (aud) tokens must name; never optional, as the MCP spec forbids token passthrough: a string or a non-empty list of strings, got nothing',
    ],
  ],
  [
    'JWT alg none',
    {
      pipeline: [
        { auth: { jwt: { issuer: 'i', audience: 'a', algorithms: ['none'], jwksUri: 'https://i/jwks' } } },
      ],
    },
    [
      'pipeline[0].auth.jwt.algorithms[0]: expected one of "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519", "HS256", "HS384", "HS512", got "none"',
    ],
  ],
  [
    'API key not hashed',
    { pipeline: [{ auth: { apiKeys: { keys: [{ id: 'ci', sha256: 'plain-key' }] } } }] },
    [
      'pipeline[0].auth.apiKeys.keys[0].sha256: expected 64 hex characters (sha256 of the key), got a string of 9 characters (not shown: a secret-like key)',
    ],
  ],
  [
    'unknown store type',
    { pipeline: [], stores: { main: { type: 'memcached' } } },
    ['stores.main.type: expected "memory" or "redis", got "memcached"'],
  ],
  [
    'Redis URL without scheme',
    { pipeline: [], stores: { main: { type: 'redis', url: 'localhost:6379' } } },
    ['stores.main.url: expected a redis:// or rediss:// URL, got "localhost:6379"'],
  ],
  [
    'override for a middleware not in the pipeline',
    { pipeline: [{ retry: {} }], tools: { 'db_*': { rateLimit: { limit: 1 } } } },
    ['tools["db_*"].rateLimit: rateLimit is not in the pipeline; add it there to set it per tool'],
  ],
  [
    'bad override value',
    { pipeline: [{ rateLimit: { limit: 5 } }], tools: { 'db_*': { rateLimit: { limit: 'ten' } } } },
    ['tools["db_*"].rateLimit.limit: expected an integer from 1 to 1000000000, got "ten"'],
  ],
  [
    'use without a specifier',
    { pipeline: [{ use: 42 }] },
    ['pipeline[0].use: expected a module specifier, got 42'],
  ],
  [
    'unknown log level',
    { pipeline: [{ logging: { level: 'verbose' } }] },
    [
      'pipeline[0].logging.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"',
    ],
  ],
  [
    'unknown cache scope',
    { pipeline: [{ cache: { scope: 'global' } }] },
    ['pipeline[0].cache.scope: expected one of "principal", "shared", got "global"'],
  ],
];

describe('malformed configs', () => {
  for (const [name, input, expected] of malformed) {
    it(`refuses ${name} with a message naming path, expectation and input`, () => {
      expect(problemsOf(input)).toEqual(expected);
    });
  }

  it('reports every problem of a file at once', () => {
    expect(
      problemsOf({ pipeline: [{ retry: { retries: -1 } }, { timeout: { timeoutMs: 0 } }] }),
    ).toHaveLength(2);
  });
});

describe('createPipeline with the built-ins', () => {
  it('builds every built-in middleware from a file-shaped config, outermost first', async () => {
    const config = loadConfig({
      pipeline: [
        'tracing',
        { metrics: { maxTools: 50 } },
        { logging: { level: 'warn' } },
        { auth: { authInfo: true, tools: { 'admin_*': { scopes: ['admin'] } } } },
        { rateLimit: { limit: 10, windowMs: 1000 } },
        { concurrencyLimit: { max: 4 } },
        { validation: { maxDepth: 8 } },
        { cache: { ttlMs: 1000 } },
        { retry: { retries: 2 } },
        { circuitBreaker: { errorThresholdPercentage: 50 } },
        { timeout: { timeoutMs: 1000 } },
      ],
    });
    const built = await createPipeline(config);
    expect(built.middlewares).toHaveLength(11);
    expect(built.middlewares.every((m) => typeof m === 'function')).toBe(true);
    await built.close();
  });

  it('refuses at load what the factory would refuse, a floor set by another option included', () => {
    expect(
      problemsOf({ pipeline: [{ retry: { backoff: { baseDelayMs: 5000, maxDelayMs: 100 } } }] }),
    ).toEqual(['pipeline[0].retry.backoff.maxDelayMs: expected an integer from 5000 to 2147483647, got 100']);
  });

  it('repaths an error the factory finds into the file', async () => {
    // A JSON Schema that does not compile: only the factory can tell.
    const config = loadConfig({
      pipeline: [{ validation: { tools: { x: { inputSchema: { type: 'nope' } } } } }],
    });
    const error: unknown = await createPipeline(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).problems.map((p) => p.path)).toEqual([
      'pipeline[0].validation.tools.x.inputSchema',
    ]);
    expect((error as Error).message).toContain('cannot be compiled');
  });

  it('resolves per-tool settings by glob specificity: exact names over globs, narrower globs over wider', async () => {
    const config = loadConfig({
      pipeline: [{ rateLimit: { limit: 100 } }, { retry: {} }],
      tools: {
        '*': { rateLimit: { limit: 50 } },
        'db_*': { rateLimit: { limit: 10 } },
        db_admin_drop: { rateLimit: { limit: 1 }, retry: false },
      },
    });
    const built = await createPipeline(config);
    expect(built.describe('search')).toEqual(['rateLimit {"limit":50}', 'retry {}']);
    expect(built.describe('db_read')).toEqual(['rateLimit {"limit":10}', 'retry {}']);
    expect(built.describe('db_admin_drop')).toEqual(['rateLimit {"limit":1}', 'retry: off']);
    await built.close();
  });
});

describe('configJsonSchema', () => {
  it('describes every built-in with its options', () => {
    const schema = JSON.stringify(configJsonSchema());
    for (const name of [
      'rateLimit',
      'windowMs',
      'circuitBreaker',
      'errorThresholdPercentage',
      'jwksUri',
      'stores',
    ]) {
      expect(schema).toContain(`"${name}"`);
    }
  });
});
