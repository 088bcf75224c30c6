// Principal identity is injective in (source, id): every principal source × every keyed store, with ids
// crafted to collide (a JWT subject `client:x` and the OAuth client `x`, a JWT subject and an API key
// both named `partner-a`, separators, escapes, lone surrogates, ids long enough to be hashed) and with
// generated ones. Each identity calls once against fresh state: a limit of 1 or a single slot must admit
// every one of them, and a cache must answer each with its own result. Any two identities sharing state
// would show as a refusal or a foreign hit, so N identities try N(N-1)/2 pairs at once.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createToolRunner,
  type CallToolResult,
  type Middleware,
  type Principal,
  type ToolContext,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { apiKeys, auth, fromAuthInfo, hashApiKey, jwt } from '@mcp-middleware/auth';
import { cache, redisStore as cacheRedisStore } from '@mcp-middleware/cache';
import { concurrencyLimit, rateLimit, redisStore as limitRedisStore } from '@mcp-middleware/ratelimit';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { dropKeysAndQuit, testRedis } from '../fixtures/test-redis.js';
import { table, writeProofSection } from './report.js';

const PREFIX = `mcp-middleware-test:identity:${process.pid}:${Date.now()}`;
const redis = testRedis();
const SECRET = randomBytes(32);
const ISSUER = 'https://issuer.example.com';
const AUDIENCE = 'https://mcp.example.com/mcp';
const TOOL: ToolInfo = { name: 'lookup', annotations: { readOnlyHint: true } };

const SOURCES = [
  'JWT sub',
  'authInfo sub',
  'authInfo client (no sub)',
  'API key',
  'custom resolver',
] as const;
type Source = (typeof SOURCES)[number] | 'anonymous';
interface Identity {
  readonly source: Source;
  readonly id: string;
}

const LONG = 'L'.repeat(200);
/** Ids that share state on the main before the fix, across sources or after UTF-8 encoding. */
const CRAFTED = [
  'x',
  'client:x',
  'partner-a',
  'anonymous',
  'jwt:x',
  'client%3Ax',
  'a:b',
  'p\u001fq',
  'x\ud800',
  'x\udc00',
  'x\ufffd',
  `${LONG}\ud800`,
  `${LONG}\ufffd`,
];

const STORES = [
  'cache (memory)',
  'cache (Redis)',
  'rateLimit (memory)',
  'rateLimit (Redis)',
  'concurrencyLimit',
] as const;
type StoreName = (typeof STORES)[number];

let trial = 0;
function storeMiddleware(name: StoreName): Middleware {
  trial++;
  switch (name) {
    case 'cache (memory)':
      return cache();
    case 'cache (Redis)':
      return cache({ store: cacheRedisStore({ client: redis, prefix: `${PREFIX}:cache:${trial}:` }) });
    case 'rateLimit (memory)':
      return rateLimit({ limit: 1 });
    case 'rateLimit (Redis)':
      return rateLimit({
        limit: 1,
        store: limitRedisStore({ client: redis, prefix: `${PREFIX}:limit`, timeoutMs: 5000 }),
        name: `t${trial}`,
        onStoreError: 'fail-closed',
      });
    case 'concurrencyLimit':
      return concurrencyLimit({ max: 1, keyBy: 'principal' });
  }
}

const custom = (ctx: ToolContext): Principal | undefined => {
  const id = ctx.requestInfo?.headers['x-custom-id'];
  return typeof id === 'string' ? { id, scopes: [], roles: [], claims: {} } : undefined;
};

/** One auth() that knows every source, and the request extra that presents each identity. */
async function credentials(ids: readonly string[]) {
  const keys = apiKeys({
    keys: ids.map((id, i) => ({ id, sha256: hashApiKey(`key-${i}`) })),
    header: 'x-api-key',
  });
  const verifier = jwt({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], key: SECRET });
  const tokens = new Map<string, string>();
  for (const id of ids) {
    const token = await new SignJWT({ sub: id })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(SECRET);
    tokens.set(id, token);
  }
  const middleware = auth({ from: [custom, keys, fromAuthInfo(), verifier] });
  let requestId = 0;
  const extraFor = ({ source, id }: Identity): ToolExtra => {
    const headers: Record<string, string> = {};
    let authInfo: ToolExtra['authInfo'];
    switch (source) {
      case 'JWT sub':
        headers['authorization'] = `Bearer ${tokens.get(id) ?? ''}`;
        break;
      case 'authInfo sub':
        authInfo = { token: 'opaque', clientId: 'one-app', scopes: [], extra: { sub: id } };
        break;
      case 'authInfo client (no sub)':
        authInfo = { token: 'opaque', clientId: id, scopes: [] };
        break;
      case 'API key':
        headers['x-api-key'] = `key-${ids.indexOf(id)}`;
        break;
      case 'custom resolver':
        headers['x-custom-id'] = id;
        break;
      case 'anonymous':
        break;
    }
    return createTestExtra({
      requestId: ++requestId,
      requestInfo: { headers },
      ...(authInfo !== undefined && { authInfo }),
    });
  };
  return { middleware, extraFor };
}

function identitiesOf(ids: readonly string[]): Identity[] {
  return [...SOURCES.flatMap((source) => ids.map((id) => ({ source, id }))), { source: 'anonymous', id: '' }];
}

const label = (identity: Identity): string => JSON.stringify([identity.source, identity.id]);
const textOf = (result: CallToolResult): string =>
  result.content[0]?.type === 'text' ? result.content[0].text : JSON.stringify(result);

/**
 * Runs every identity once against one fresh store middleware; answers the identities whose call shows
 * another's state (refused by a limit, or answered with a foreign or cached result).
 */
async function collisions(name: StoreName, ids: readonly string[]): Promise<string[]> {
  const { middleware: authenticate, extraFor } = await credentials(ids);
  const store = storeMiddleware(name);
  const identities = identitiesOf(ids);
  const blocking = name === 'concurrencyLimit';
  let entered = 0;
  let allIn: () => void = () => undefined;
  const everyoneIn = new Promise<'all-in'>((resolve) => (allIn = () => resolve('all-in')));
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  // Sequential calls with identical args (a cache key then differs by partition alone) learn who calls
  // from `current`; concurrent ones (the bulkhead keys by principal only) carry it in args.
  let current = '';
  const handler = async (ctx: ToolContext): Promise<CallToolResult> => {
    if (!blocking) return { content: [{ type: 'text', text: current }] };
    if (++entered === identities.length) allIn();
    await gate;
    return { content: [{ type: 'text', text: String(ctx.args?.['who']) }] };
  };
  const withAuth = createToolRunner([authenticate, store]).bind(TOOL, handler);
  const anonymous = createToolRunner([store]).bind(TOOL, handler);
  const bad: string[] = [];
  const check = (identity: Identity, result: CallToolResult): void => {
    const foreign =
      result.isError === true || textOf(result) !== label(identity) || result._meta !== undefined;
    if (foreign) bad.push(`${label(identity)} got ${textOf(result).slice(0, 120)}`);
  };
  const call = (identity: Identity): Promise<CallToolResult> =>
    (identity.source === 'anonymous' ? anonymous : withAuth)(
      blocking ? { who: label(identity) } : {},
      extraFor(identity),
    );
  if (!blocking) {
    for (const identity of identities) {
      current = label(identity);
      check(identity, await call(identity));
    }
    return bad;
  }
  const pending = identities.map(call);
  const first = await Promise.race([everyoneIn, Promise.race(pending).then(() => 'answered-early' as const)]);
  if (first !== 'all-in') bad.push(`a call was answered while ${identities.length} should hold a slot`);
  open();
  const results = await Promise.all(pending);
  identities.forEach((identity, i) => check(identity, results[i] as CallToolResult));
  return bad;
}

const figures: [string, number, number, number][] = [];
let generatedPairs = 0;
let generatedRuns = 0;

afterAll(async () => {
  await dropKeysAndQuit(redis, PREFIX);
  writeProofSection(
    'identity',
    [
      '## Principal identity',
      '',
      `Every principal source (${SOURCES.join(', ')}, and anonymous) × every keyed store: each identity calls`,
      'once against fresh state; a limit of 1, a single slot or a cache must still answer each one as its own.',
      `Crafted ids (${CRAFTED.length}): \`client:x\` vs \`x\`, \`partner-a\` in every source, separators, \`%3A\`,`,
      'lone surrogates (`x\\ud800`, `x\\udc00`, `x\\ufffd`), and 200-character ids that are hashed.',
      '',
      table(['store', 'identities', 'pairs tried', 'collisions'], figures),
      '',
      `Generated (fast-check, ${generatedRuns} runs of arbitrary ids incl. lone surrogates, × every store):`,
      `${generatedPairs} pairs tried, 0 collisions.`,
    ].join('\n'),
  );
});

describe('principal identity is injective in (source, id)', () => {
  for (const name of STORES) {
    it(`keeps every crafted identity apart in ${name}`, async () => {
      const bad = await collisions(name, CRAFTED);
      const n = identitiesOf(CRAFTED).length;
      figures.push([name, n, (n * (n - 1)) / 2, bad.length]);
      expect(bad).toEqual([]);
    });
  }

  it('keeps generated identities apart in every store', async () => {
    const id = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
      fc.constantFrom('x', 'client:x', 'partner-a', '\ud800', '\udc00', '\ufffd', ':', '%'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }).map((tail) => LONG + tail),
    );
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(id, { minLength: 2, maxLength: 4 }), async (ids) => {
        generatedRuns++;
        for (const name of STORES) {
          const bad = await collisions(name, ids);
          const n = identitiesOf(ids).length;
          generatedPairs += (n * (n - 1)) / 2;
          expect(bad).toEqual([]);
        }
      }),
      { numRuns: 25 },
    );
  });
});
