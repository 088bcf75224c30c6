/** Auth cases: auth() with authInfo present, a repeated JWT from the verified-token cache, API keys. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { apiKeys, auth, hashApiKey, jwt } from '@mcp-middleware/auth';
import { createToolRunner, type AuthInfo, type Result, type ToolExtra } from '@mcp-middleware/core';
import { benchExtra, pipelineCase, type BenchCase } from '../harness.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const ISSUER = 'https://issuer.example.com';

const authInfo: AuthInfo = {
  token: 'opaque-access-token',
  clientId: 'bench-client',
  scopes: ['tools:read'],
  expiresAt: Math.floor(Date.now() / 1000) + 86_400,
  extra: { sub: 'bench-user' },
};

// An ES256 JWT signed with node:crypto (the bench package does not depend on jose).
function signedJwt(): { token: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const enc = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${enc({ alg: 'ES256', typ: 'JWT' })}.${enc({
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'bench-user',
    scope: 'tools:read',
    iat: now,
    exp: now + 86_400,
  })}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${signature.toString('base64url')}`, publicKey };
}

function withHeaders(headers: Record<string, string>): Partial<ToolExtra> {
  return { requestInfo: { headers } };
}

// Timed beside the empty runner too, so the report isolates what auth() itself adds.
const overRunner = (base: BenchCase): BenchCase => ({ ...base, baseline: 'runner-empty' });

// Runs the first call before timing, so the case measures the cached path.
function warmed(base: BenchCase): BenchCase {
  return {
    ...base,
    async setup() {
      const op = await base.setup();
      await op.run();
      return op;
    },
  };
}

const { token, publicKey } = signedJwt();
const verifierOptions = {
  issuer: ISSUER,
  audience: RESOURCE,
  algorithms: ['ES256' as const],
  key: publicKey,
};

// tools/list with 1000 tools, half of them `admin_*`, for a caller without the admin scope.
const TOOLS = Array.from({ length: 1000 }, (_, i) => ({
  name: i % 2 === 0 ? `search_${i}` : `admin_${i}`,
  inputSchema: { type: 'object' as const },
}));
const LIST: Result = { tools: TOOLS };

function listCase(name: string, description: string, withAuth: boolean, baseline?: string): BenchCase {
  return {
    name,
    group: 'pipeline',
    description,
    ...(baseline !== undefined && { baseline }),
    batch: 2000,
    setup() {
      const runner = createToolRunner(
        withAuth ? [auth({ tools: { 'admin_*': { scopes: ['admin'] } } })] : [],
        { debug: false },
      );
      const extra = benchExtra({ authInfo });
      const handler = (): Promise<Result> => Promise.resolve(LIST);
      return { run: () => runner.request('tools/list', {}, undefined, extra, handler) };
    },
  };
}

export const listCases: BenchCase[] = [
  listCase('list-1000-bare', 'tools/list of 1000 tools through a runner with no steps for it', false),
  listCase(
    'auth-list-1000',
    'auth() filtering a tools/list of 1000 tools (500 need a scope the caller lacks)',
    true,
    'list-1000-bare',
  ),
];

export const cases: BenchCase[] = [
  pipelineCase('auth-authinfo', 'auth() with authInfo present (the default resolver)', () => auth(), {
    quick: true,
    extra: { authInfo },
  }),
  pipelineCase(
    'auth-authinfo-scopes',
    'auth() with authInfo present and a per-tool scope check that passes',
    () => auth({ tools: { 'search*': { scopes: ['tools:read'] } } }),
    { extra: { authInfo } },
  ),
  warmed(
    pipelineCase(
      'auth-jwt-cached',
      'auth({ from: jwt() }) with a repeated bearer JWT served from the verified-token cache',
      () => auth({ from: jwt(verifierOptions) }),
      { quick: true, extra: withHeaders({ authorization: `Bearer ${token}` }) },
    ),
  ),
  {
    ...pipelineCase(
      'auth-jwt-uncached',
      'auth({ from: jwt() }) verifying the ES256 signature on every call (cacheSize: 0)',
      () => auth({ from: jwt({ ...verifierOptions, cacheSize: 0 }) }),
      { extra: withHeaders({ authorization: `Bearer ${token}` }) },
    ),
    batch: 200,
  },
  pipelineCase(
    'auth-api-key',
    'auth({ from: apiKeys() }) with one key: SHA-256 of the presented key, constant-time compare',
    () => auth({ from: apiKeys({ keys: [{ id: 'ci', sha256: hashApiKey('bench-api-key') }] }) }),
    { extra: withHeaders({ 'x-api-key': 'bench-api-key' }) },
  ),
].map(overRunner);
cases.push(...listCases);
