import { describe, expect, it } from 'vitest';
import type { RequestContext, ToolContext } from './contract.js';
import { ConfigError } from './errors.js';
import { compileKeyBy, compileRequestKeyBy } from './key-by.js';
import { principalKey, type Principal } from './keys.js';
import { createTestContext, type TestContextOptions } from './testing/index.js';

const principal = (id: string, clientId?: string, source?: string): Principal => ({
  id,
  clientId,
  ...(source !== undefined && { source }),
  scopes: [],
  roles: [],
  claims: {},
});

function ctx(options: TestContextOptions & { principal?: Principal } = {}) {
  const c = createTestContext({ tool: { name: 'search' }, ...options });
  if (options.principal !== undefined) c.set(principalKey, options.principal);
  return c;
}

const authInfo = (clientId: string) => ({ token: 'secret-token', clientId, scopes: [] });

describe('compileKeyBy', () => {
  const byDefault = compileKeyBy('test', ['principal', 'tool']);

  it('keeps the key format that stores already hold (tagged, length-prefixed parts)', () => {
    const c = ctx({ principal: principal('alice', undefined, 'jwt') });
    expect(byDefault(c)).toBe('p9:jwt:alicet6:search');
    expect(compileKeyBy('test', (call: ToolContext) => call.tool.name)(c)).toBe('f6:search');
  });

  it('keys the default on principal and tool', () => {
    const alice = byDefault(ctx({ principal: principal('alice') }));
    const bob = byDefault(ctx({ principal: principal('bob') }));
    const aliceOther = byDefault(ctx({ principal: principal('alice'), tool: { name: 'fetch' } }));
    expect(new Set([alice, bob, aliceOther]).size).toBe(3);
  });

  it('falls back to the OAuth client id when auth set no principal', () => {
    const viaClient = byDefault(ctx({ extra: { authInfo: authInfo('app-1') } }));
    expect(viaClient).toBe(byDefault(ctx({ principal: principal('app-1', undefined, 'client') })));
  });

  it('puts callers with neither principal nor client in one shared anonymous key', () => {
    expect(byDefault(ctx())).toBe(byDefault(ctx()));
    expect(byDefault(ctx())).not.toBe(byDefault(ctx({ principal: principal('anonymous') })));
  });

  it('never lets two different part values run together into one key', () => {
    const both = compileKeyBy('test', ['principal', 'client']);
    const a = both(ctx({ principal: principal('a:b'), extra: { authInfo: authInfo('c') } }));
    const b = both(ctx({ principal: principal('a'), extra: { authInfo: authInfo('b:c') } }));
    expect(a).not.toBe(b);
  });

  it('keys "client" on the principal\'s OAuth client, the same as authInfo\'s without a principal', () => {
    const byClient = compileKeyBy('test', 'client');
    expect(byClient(ctx({ extra: { authInfo: authInfo('app') } }))).toBe(
      byClient(ctx({ principal: principal('someone', 'app', 'subject') })),
    );
  });

  it("keeps an API key's client apart from the OAuth client of the same name", () => {
    const byClient = compileKeyBy('test', 'client');
    expect(byClient(ctx({ extra: { authInfo: authInfo('partner-a') } }))).not.toBe(
      byClient(ctx({ principal: principal('partner-a', 'partner-a', 'api-key') })),
    );
  });

  it('escapes lone surrogates, so every key is well-formed and distinct in UTF-8', () => {
    const keys = ['a\ud800', 'a\udc00', 'a\ufffd', 'a\\ud800', '"a\\ud800"'].map((id) =>
      byDefault(ctx({ principal: principal(id) })),
    );
    const bytes = keys.map((key) => Buffer.from(key, 'utf8').toString('hex'));
    expect(new Set(bytes).size).toBe(keys.length);
  });

  it('keys "session" on the session id and puts calls without one together', () => {
    const bySession = compileKeyBy('test', 'session');
    expect(bySession(ctx({ extra: { sessionId: 's1' } }))).not.toBe(
      bySession(ctx({ extra: { sessionId: 's2' } })),
    );
    expect(bySession(ctx())).toBe(bySession(ctx()));
  });

  it('keys "session" by principal on 2026-07-28 requests, which have no session, and says so once', () => {
    const bySession = compileKeyBy('test', 'session');
    const modern = (id: string) =>
      ctx({
        principal: principal(id),
        extra: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
      });
    const a = modern('alice');
    const warnings: unknown[] = [];
    const emit = a.emit.bind(a);
    Object.defineProperty(a, 'emit', {
      value: (event: Parameters<typeof emit>[0]) => (warnings.push(event), emit(event)),
    });
    expect(bySession(a)).not.toBe(bySession(modern('bob')));
    expect(bySession(a)).toBe(bySession(modern('alice')));
    expect(bySession(a)).not.toBe(bySession(ctx({ principal: principal('alice') })));
    expect(warnings).toHaveLength(1);
  });

  it('gives every call the same key with "global"', () => {
    const global = compileKeyBy('test', 'global');
    expect(global(ctx({ principal: principal('a') }))).toBe(global(ctx({ tool: { name: 'other' } })));
  });

  it('combines a custom function with built-in parts', () => {
    const byTenant = compileKeyBy('test', [(c: ToolContext) => String(c.args?.['tenant']), 'tool']);
    expect(byTenant(ctx({ args: { tenant: 't1' } }))).not.toBe(byTenant(ctx({ args: { tenant: 't2' } })));
  });

  it('keys a call by principal and tool, with a warning, when a custom function returns no string', () => {
    const broken = compileKeyBy('test', () => 42 as unknown as string);
    const c = ctx({ principal: principal('alice') });
    expect(broken(c)).toBe('x' + byDefault(c));
    expect(c.events).toEqual([expect.objectContaining({ type: 'warning', source: 'test' })]);
  });

  it('keys a call by principal and tool, with a warning, when a custom function throws', () => {
    const broken = compileKeyBy('test', [
      () => {
        throw new Error('no tenant');
      },
      'session',
    ]);
    const c = ctx({ principal: principal('alice') });
    expect(broken(c)).toBe('x' + byDefault(c) + 'n');
    expect(c.events).toEqual([expect.objectContaining({ type: 'warning', source: 'test' })]);
  });

  it('rejects an unknown part at factory time with a suggestion', () => {
    expect(() => compileKeyBy('rateLimit', ['principle'])).toThrow(ConfigError);
    expect(() => compileKeyBy('rateLimit', ['principle'])).toThrow('did you mean "principal"?');
  });

  it('rejects an empty list and "global" combined with other parts', () => {
    expect(() => compileKeyBy('rateLimit', [])).toThrow(ConfigError);
    expect(() => compileKeyBy('rateLimit', ['global', 'tool'])).toThrow('"global" stands alone');
  });
});

describe('compileKeyBy with readable keys', () => {
  const readable = (keyBy: unknown) => compileKeyBy('circuitBreaker', keyBy, { readable: true });

  it('keys a lone "tool" by the bare tool name', () => {
    expect(readable('tool')(ctx())).toBe('search');
    expect(readable(['tool'])(ctx())).toBe('search');
  });

  it('keys a lone function by its answer as it is', () => {
    expect(readable(() => 'backend')(ctx())).toBe('backend');
  });

  it('keys by the tool name, with a warning, when a lone function throws', () => {
    const c = ctx();
    const keyOf = readable(() => {
      throw new Error('bug');
    });
    expect(keyOf(c)).toBe('search');
    expect(c.events).toEqual([expect.objectContaining({ type: 'warning', source: 'circuitBreaker' })]);
  });

  it('tags every part of a list, as for a store', () => {
    const c = ctx({ principal: principal('alice') });
    expect(readable(['principal', 'tool'])(c)).toBe(compileKeyBy('test', ['principal', 'tool'])(c));
  });
});

describe('compileKeyBy with a function that answers a promise', () => {
  it('reports its rejection as a warning instead of leaving it unhandled', async () => {
    const c = ctx({ principal: principal('alice') });
    const keyOf = compileKeyBy('test', () => Promise.reject(new Error('async bug')) as unknown as string);
    expect(keyOf(c)).toBe('x' + compileKeyBy('test', ['principal', 'tool'])(c));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(c.events.map((e) => (e as { message?: string }).message)).toEqual([
      expect.stringContaining('returned a promise instead of a string'),
      expect.stringContaining('async bug'),
    ]);
  });
});

describe('compileRequestKeyBy', () => {
  const request = (operation: string, target: string, id?: string): RequestContext => {
    const state = new Map<unknown, unknown>();
    if (id !== undefined) state.set(principalKey, principal(id));
    return { operation, target, get: (key: unknown) => state.get(key), emit: () => undefined } as never;
  };

  it('starts every key with the operation, so operations never share a key', () => {
    const keyOf = compileRequestKeyBy('rateLimit', ['principal', 'tool']);
    expect(keyOf(request('resources/read', 'x', 'p'))).not.toBe(keyOf(request('prompts/get', 'x', 'p')));
    expect(keyOf(request('resources/read', 'x', 'p')).startsWith('o14:resources/read')).toBe(true);
  });

  it('keeps operation and target apart however they are spelt', () => {
    const keyOf = compileRequestKeyBy('rateLimit', 'tool');
    expect(keyOf(request('a', 'bc'))).not.toBe(keyOf(request('ab', 'c')));
  });

  it('bounds a long target by its hash, distinct from any short one', () => {
    const keyOf = compileRequestKeyBy('rateLimit', 'tool');
    const long = keyOf(request('resources/read', 'x'.repeat(100_000)));
    expect(long.length).toBeLessThan(100);
    expect(long).not.toBe(keyOf(request('resources/read', 'x'.repeat(100_001))));
  });
});
