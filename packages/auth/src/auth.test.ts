import { McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  ConfigError,
  createToolRunner,
  defineMiddleware,
  isMiddlewareError,
  MiddlewareError,
  principalKey,
  type AuthInfo,
  type Principal,
  type Result,
  type ToolExtra,
} from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler, type TestContext } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { auth } from './auth.js';
import { fromAuthInfo } from './from-auth-info.js';
import { freezePrincipal, PRINCIPAL_EXTRA_KEY, type PrincipalResolver } from './resolver.js';

const authInfo = (overrides: Partial<AuthInfo> = {}): AuthInfo => ({
  token: 'secret-token-value',
  clientId: 'client-1',
  scopes: ['tools:read'],
  ...overrides,
});

const principal = (overrides: Partial<Principal> = {}): Principal => ({
  id: 'alice',
  scopes: [],
  roles: [],
  claims: {},
  ...overrides,
});

async function refusal(promise: Promise<unknown>): Promise<MiddlewareError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMiddlewareError(error)) throw new Error(`expected a MiddlewareError, got ${String(error)}`);
  return error;
}

function ctxWith(info: AuthInfo | undefined, tool = 'search', clock = manualClock()): TestContext {
  return createTestContext({
    tool: { name: tool },
    clock,
    extra: info === undefined ? {} : { authInfo: info },
  });
}

describe('auth() with the default resolver (authInfo)', () => {
  it('sets the principal from authInfo before calling next', async () => {
    const next = stubHandler((ctx) => ({
      content: [{ type: 'text', text: ctx.get(principalKey)?.id ?? '' }],
    }));
    const result = await auth()(ctxWith(authInfo()), next);
    expect(result.content).toEqual([{ type: 'text', text: 'client-1' }]);
  });

  it('calls next synchronously when the principal is known, without an await', () => {
    const next = stubHandler();
    void auth()(ctxWith(authInfo()), next);
    expect(next.calls).toHaveLength(1);
  });

  it('maps sub, roles and the scopes of authInfo into the principal', async () => {
    const next = stubHandler();
    const ctx = ctxWith(authInfo({ extra: { sub: 'alice', roles: ['ops'] } }));
    await auth()(ctx, next);
    expect(ctx.get(principalKey)).toMatchObject({
      id: 'alice',
      clientId: 'client-1',
      scopes: ['tools:read'],
      roles: ['ops'],
    });
  });

  it('uses the principal a verifier of this package left in authInfo.extra', async () => {
    const left = freezePrincipal(principal({ id: 'from-verifier' }), 'jwt');
    const ctx = ctxWith(authInfo({ extra: { [PRINCIPAL_EXTRA_KEY]: left } }));
    await auth()(ctx, stubHandler());
    expect(ctx.get(principalKey)).toBe(left);
  });

  it('ignores a look-alike principal copied into authInfo.extra, so claims cannot choose who calls', async () => {
    const forged = principal({ id: 'admin', source: 'jwt', scopes: ['admin'], roles: ['admin'] });
    const ctx = ctxWith(authInfo({ extra: { [PRINCIPAL_EXTRA_KEY]: forged, sub: 'mallory' } }));
    await auth()(ctx, stubHandler());
    expect(ctx.get(principalKey)).toMatchObject({
      id: 'mallory',
      source: 'subject',
      scopes: ['tools:read'],
      roles: [],
    });
  });

  it('names a principal without a subject by its OAuth client, in the client namespace', async () => {
    const ctx = ctxWith(authInfo());
    await auth()(ctx, stubHandler());
    expect(ctx.get(principalKey)).toMatchObject({ id: 'client-1', source: 'client' });
  });

  it('refuses a call without authInfo as UNAUTHENTICATED with reason missing_credentials', async () => {
    const error = await refusal(auth()(ctxWith(undefined), stubHandler()));
    expect([error.code, error.data]).toEqual(['UNAUTHENTICATED', { reason: 'missing_credentials' }]);
  });

  it('never calls next for a refused call', async () => {
    const next = stubHandler();
    await refusal(auth()(ctxWith(undefined), next));
    expect(next.calls).toHaveLength(0);
  });

  it('emits a reject event with the code and source auth', async () => {
    const ctx = ctxWith(undefined);
    await refusal(auth()(ctx, stubHandler()));
    expect(ctx.events).toEqual([{ type: 'reject', code: 'UNAUTHENTICATED', source: 'auth' }]);
  });

  it('refuses authInfo whose expiresAt has passed on ctx.clock', async () => {
    const clock = manualClock(1_700_000_000_000);
    const info = authInfo({ expiresAt: 1_700_000_060 });
    const middleware = auth();
    await middleware(ctxWith(info, 'search', clock), stubHandler());
    await clock.advance(60_000);
    const error = await refusal(middleware(ctxWith(info, 'search', clock), stubHandler()));
    expect(error.data).toEqual({ reason: 'expired' });
  });

  it('keeps the token out of the error and the event', async () => {
    const clock = manualClock(1_700_000_000_000);
    const ctx = ctxWith(authInfo({ expiresAt: 1 }), 'search', clock);
    const error = await refusal(auth()(ctx, stubHandler()));
    expect(JSON.stringify([error.message, error.data, String(error.cause), ctx.events])).not.toContain(
      'secret-token-value',
    );
  });
});

describe('fromAuthInfo({ resource })', () => {
  const from = fromAuthInfo({ resource: 'https://mcp.example.com/mcp' });

  it('admits authInfo for the resource, fragment and one trailing slash aside', async () => {
    const ctx = ctxWith(authInfo({ resource: new URL('https://mcp.example.com/mcp/#x') }));
    await auth({ from })(ctx, stubHandler());
    expect(ctx.get(principalKey)?.id).toBe('client-1');
  });

  it('refuses authInfo issued for another resource as wrong_audience', async () => {
    const ctx = ctxWith(authInfo({ resource: new URL('https://other.example.com/mcp') }));
    const error = await refusal(auth({ from })(ctx, stubHandler()));
    expect(error.data).toEqual({ reason: 'wrong_audience' });
  });

  it('refuses authInfo that names no resource', async () => {
    const error = await refusal(auth({ from })(ctxWith(authInfo()), stubHandler()));
    expect(error.data).toEqual({ reason: 'wrong_audience' });
  });

  it('throws a ConfigError for a resource that is not an absolute URL', () => {
    expect(() => fromAuthInfo({ resource: '/mcp' })).toThrow(ConfigError);
  });

  it('maps with a custom principal function', async () => {
    const ctx = ctxWith(authInfo({ resource: new URL('https://mcp.example.com/mcp') }));
    const custom = fromAuthInfo({
      resource: 'https://mcp.example.com/mcp',
      principal: () => principal({ id: 'x' }),
    });
    await auth({ from: custom })(ctx, stubHandler());
    expect(ctx.get(principalKey)?.id).toBe('x');
  });
});

describe('auth({ tools })', () => {
  const middleware = auth({
    tools: {
      'admin_*': { scopes: ['admin', 'audit'] },
      deploy: { roles: ['ops', 'sre'] },
    },
  });

  it('refuses a caller without the tool’s scopes as FORBIDDEN, naming every missing scope at once', async () => {
    const error = await refusal(middleware(ctxWith(authInfo(), 'admin_reset'), stubHandler()));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('requires the scopes `admin`, `audit`');
    expect(error.data).toEqual({
      reason: 'insufficient_scope',
      requiredScopes: ['admin', 'audit'],
      missingScopes: ['admin', 'audit'],
    });
  });

  it('admits a caller with every scope the tool needs', async () => {
    const next = stubHandler();
    await middleware(ctxWith(authInfo({ scopes: ['audit', 'admin'] }), 'admin_reset'), next);
    expect(next.calls).toHaveLength(1);
  });

  it('refuses a caller without any of the tool’s roles', async () => {
    const error = await refusal(
      middleware(ctxWith(authInfo({ extra: { roles: ['dev'] } }), 'deploy'), stubHandler()),
    );
    expect(error.data?.['missingRoles']).toEqual([['ops', 'sre']]);
  });

  it('admits a caller holding one of the tool’s roles', async () => {
    const next = stubHandler();
    await middleware(ctxWith(authInfo({ extra: { roles: ['sre'] } }), 'deploy'), next);
    expect(next.calls).toHaveLength(1);
  });

  it('only authenticates tools no glob matches', async () => {
    const next = stubHandler();
    await middleware(ctxWith(authInfo({ scopes: [] }), 'search'), next);
    expect(next.calls).toHaveLength(1);
  });

  it('emits a FORBIDDEN reject event', async () => {
    const ctx = ctxWith(authInfo(), 'admin_reset');
    await refusal(middleware(ctx, stubHandler()));
    expect(ctx.events).toEqual([{ type: 'reject', code: 'FORBIDDEN', source: 'auth' }]);
  });
});

describe('auth({ from }) with several resolvers', () => {
  const none: PrincipalResolver = () => undefined;

  it('takes the first resolver that finds a credential', async () => {
    const ctx = ctxWith(undefined);
    await auth({ from: [none, () => principal({ id: 'second' }), () => principal({ id: 'third' })] })(
      ctx,
      stubHandler(),
    );
    expect(ctx.get(principalKey)?.id).toBe('second');
  });

  it('does not fall through to the next resolver when a credential is bad', async () => {
    const bad: PrincipalResolver = () => {
      throw new MiddlewareError('UNAUTHENTICATED', 'bad', { data: { reason: 'expired' } });
    };
    const error = await refusal(auth({ from: [bad, () => principal()] })(ctxWith(undefined), stubHandler()));
    expect(error.data).toEqual({ reason: 'expired' });
  });

  it('awaits an asynchronous resolver', async () => {
    const ctx = ctxWith(undefined);
    await auth({ from: [none, () => Promise.resolve(principal({ id: 'async' }))] })(ctx, stubHandler());
    expect(ctx.get(principalKey)?.id).toBe('async');
  });

  it('goes on to the next resolver when an asynchronous one finds nothing', async () => {
    const ctx = ctxWith(undefined);
    await auth({ from: [() => Promise.resolve(undefined), () => principal({ id: 'after' })] })(
      ctx,
      stubHandler(),
    );
    expect(ctx.get(principalKey)?.id).toBe('after');
  });

  it('refuses when no resolver finds a credential', async () => {
    const error = await refusal(
      auth({ from: [none, () => Promise.resolve(undefined)] })(ctxWith(undefined), stubHandler()),
    );
    expect(error.data).toEqual({ reason: 'missing_credentials' });
  });

  it('fails closed on a resolver’s plain error: UNAUTHENTICATED, and a warning that carries the error', async () => {
    const failure = new Error('directory down');
    const ctx = ctxWith(undefined);
    const error = await refusal(
      auth({
        from: () => {
          throw failure;
        },
      })(ctx, stubHandler()),
    );
    expect([error.code, error.data]).toEqual(['UNAUTHENTICATED', { reason: 'check_failed' }]);
    expect(ctx.events).toContainEqual(
      expect.objectContaining({ type: 'warning', source: 'auth', cause: failure }),
    );
  });

  it('refuses an asynchronous resolver’s rejection', async () => {
    const error = await refusal(
      auth({ from: () => Promise.reject(new MiddlewareError('UPSTREAM_ERROR', 'keys')) })(
        ctxWith(undefined),
        stubHandler(),
      ),
    );
    expect(error.code).toBe('UPSTREAM_ERROR');
  });

  it('passes a downstream failure through untouched and emits no reject', async () => {
    const ctx = ctxWith(undefined);
    const downstream = new Error('tool failed');
    const next = stubHandler(() => Promise.reject(downstream));
    const outcome = await auth({ from: () => Promise.resolve(principal()) })(ctx, next).catch(
      (e: unknown) => e,
    );
    expect([outcome, ctx.events]).toEqual([downstream, []]);
  });
});

describe('auth() options', () => {
  it('rejects an unknown option with a suggestion', () => {
    expect(() => auth({ tool: {} } as never)).toThrow(/did you mean tools/);
  });

  it('rejects an empty list of resolvers', () => {
    expect(() => auth({ from: [] })).toThrow(ConfigError);
  });

  it('rejects a resolver that is not a function', () => {
    expect(() => auth({ from: ['jwt'] as never })).toThrow(/from must be a resolver/);
  });
});

describe('auth() on requests other than tools/call', () => {
  const extraFor = (info: AuthInfo | undefined): ToolExtra =>
    ({
      signal: new AbortController().signal,
      requestId: 1,
      authInfo: info,
      sendNotification: () => Promise.resolve(),
      sendRequest: () => Promise.reject(new Error('no')),
    }) as unknown as ToolExtra;
  const guarded = createToolRunner([
    auth({
      prompts: { 'admin_*': { scopes: ['admin'] } },
      resources: { 'secret://*': { scopes: ['admin'] } },
    }),
  ]);
  const answer = (result: Result) => (): Promise<Result> => Promise.resolve(result);

  it('refuses a method without a step of its own (logging/setLevel) to a caller without credentials', async () => {
    const error = await guarded
      .request('logging/setLevel', { level: 'info' }, undefined, extraFor(undefined), answer({}))
      .then(
        () => undefined,
        (e: unknown) => e as McpError,
      );
    expect(error?.message).toContain('authentication failed: no credentials were presented');
  });

  it('sets the principal for the steps below on a list', async () => {
    let seen: string | undefined;
    const runner = createToolRunner([
      auth(),
      defineMiddleware('spy', {
        requests: {
          '*': (ctx, next) => {
            seen = ctx.get(principalKey)?.id;
            return next();
          },
        },
      }),
    ]);
    await runner.request('tools/list', {}, undefined, extraFor(authInfo()), answer({ tools: [] }));
    expect(seen).toBe('client-1');
  });

  it('refuses a prompt visibly as FORBIDDEN with forbidden: refuse', async () => {
    const runner = createToolRunner([
      auth({ forbidden: 'refuse', prompts: { 'admin_*': { scopes: ['admin'] } } }),
    ]);
    const error = await runner
      .request('prompts/get', { name: 'admin_x' }, 'admin_x', extraFor(authInfo()), answer({ messages: [] }))
      .then(
        () => undefined,
        (e: unknown) => e as McpError,
      );
    expect(error?.message).toContain('prompt `admin_x` requires the scope `admin`');
  });

  it('answers a hidden prompt as the server answers an unknown one', async () => {
    const error = await guarded
      .request('prompts/get', { name: 'admin_x' }, 'admin_x', extraFor(authInfo()), answer({ messages: [] }))
      .then(
        () => undefined,
        (e: unknown) => e as McpError,
      );
    expect([error?.code, error?.message]).toEqual([-32602, 'MCP error -32602: Prompt admin_x not found']);
  });

  it('checks a subscription to a resource like a read', async () => {
    const error = await guarded
      .request('resources/subscribe', { uri: 'secret://a' }, 'secret://a', extraFor(authInfo()), answer({}))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(McpError);
  });

  it('completes a prompt reference the caller may use', async () => {
    const params = { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'a', value: '' } };
    const done = { completion: { values: ['x'] } };
    expect(
      await guarded.request('completion/complete', params, 'greet', extraFor(authInfo()), answer(done)),
    ).toBe(done);
  });

  it('refuses a list (fail closed) when a resolver written for tool calls throws on it', async () => {
    // Lists have no args: reading one throws there.
    const toolsOnly = (ctx: TestContext): Principal =>
      principal({ id: String((ctx.args as { id: string }).id) });
    const runner = createToolRunner([auth({ from: toolsOnly })]);
    const error = await runner
      .request('tools/list', {}, undefined, extraFor(authInfo()), answer({ tools: [] }))
      .then(
        () => undefined,
        (e: unknown) => e as McpError,
      );
    expect(error?.message).toContain('the credential could not be checked');
  });

  it('rejects a forbidden option outside hide and refuse', () => {
    expect(() => auth({ forbidden: 'silent' as 'hide' })).toThrow(ConfigError);
  });
});
