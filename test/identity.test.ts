// Keys are injective after UTF-8 encoding, and authInfo.extra cannot choose the principal: property tests
// over arbitrary strings (lone surrogates included) through the public cache() and rateLimit(), and a
// forged principal in authInfo.extra against a real McpServer and Client.
import fc from 'fast-check';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createToolRunner,
  principalKey,
  withMiddleware,
  type AuthInfo,
  type Middleware,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection, createTestExtra } from '@mcp-middleware/core/testing';
import { auth, PRINCIPAL_EXTRA_KEY } from '@mcp-middleware/auth';
import { cache, type CacheStore } from '@mcp-middleware/cache';
import { concurrencyLimit, rateLimit, type RateLimitStore } from '@mcp-middleware/ratelimit';

const TOOL: ToolInfo = { name: 'lookup', annotations: { readOnlyHint: true } };
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

// Any UTF-16 (lone surrogates included), and the strings that collide once encoded.
const anyId = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('\ud800', '\udc00', '\ufffd', '\\ud800', '"\\ud800"', ':', '%3A', '\u001f'),
  fc.string({ unit: 'binary', minLength: 120, maxLength: 140 }),
);
const pair = fc.tuple(anyId, anyId).filter(([a, b]) => a !== b);

let requestId = 0;
const extra = (): ToolExtra => createTestExtra({ requestId: ++requestId });

/** Calls `middleware` once as a principal with `id` (and the same args), answering the keys its store saw. */
function keysSeen(build: (seen: string[]) => Middleware): (id: string, tool?: string) => Promise<string[]> {
  return async (id, tool = TOOL.name) => {
    const seen: string[] = [];
    const as: Middleware = (ctx, next) => {
      ctx.set(principalKey, { id, source: 'jwt', scopes: [], roles: [], claims: {} });
      return next(ctx);
    };
    const run = createToolRunner([as, build(seen)]).bind({ ...TOOL, name: tool }, () => ({ content: [] }));
    await run({ q: 1 }, extra());
    return seen;
  };
}

const cacheKeys = keysSeen((seen) => {
  const store: CacheStore = {
    name: 'recording',
    get: (key) => void seen.push(key),
    set: () => undefined,
    invalidate: () => 0,
  };
  return cache({ store });
});

const limitKeys = keysSeen((seen) => {
  const store: RateLimitStore = {
    kind: 'recording',
    bind: () => ({
      consume: (key) => {
        seen.push(key);
        return { allowed: true, remaining: 1, resetInMs: 1000 };
      },
    }),
  };
  return rateLimit({ limit: 5, store, keyBy: ['principal', 'tool', (ctx) => String(ctx.tool.name)] });
});

describe('keys are injective after UTF-8 encoding', () => {
  it('gives distinct principal ids distinct cache keys, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(pair, async ([a, b]) => {
        const [ka, kb] = [(await cacheKeys(a))[0] ?? '', (await cacheKeys(b))[0] ?? ''];
        expect(utf8(ka)).not.toBe(utf8(kb));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives distinct tool names distinct cache keys, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(pair, async ([a, b]) => {
        const [ka, kb] = [(await cacheKeys('alice', a))[0] ?? '', (await cacheKeys('alice', b))[0] ?? ''];
        expect(utf8(ka)).not.toBe(utf8(kb));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives distinct principal ids and tool names distinct rate-limit keys, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(pair, anyId, async ([a, b], tool) => {
        const [ka, kb] = [(await limitKeys(a, tool))[0] ?? '', (await limitKeys(b, tool))[0] ?? ''];
        const [ta, tb] = [(await limitKeys(tool, a))[0] ?? '', (await limitKeys(tool, b))[0] ?? ''];
        expect(utf8(ka)).not.toBe(utf8(kb));
        expect(utf8(ta)).not.toBe(utf8(tb));
      }),
      { numRuns: 2000 },
    );
  });

  it('builds only well-formed keys, so a store never receives a lone surrogate', async () => {
    await fc.assert(
      fc.asyncProperty(anyId, anyId, async (id, tool) => {
        for (const key of [...(await cacheKeys(id, tool)), ...(await limitKeys(id, tool))]) {
          expect(Buffer.from(key, 'utf8').toString('utf8')).toBe(key);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a concurrency slot per principal for ids that differ only in a lone surrogate', async () => {
    const limiter = concurrencyLimit({ max: 1, keyBy: 'principal' });
    const ids = ['x\ud800', 'x\udc00', 'x\ufffd'];
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let entered = 0;
    let allIn: () => void = () => undefined;
    const everyoneIn = new Promise<string>((resolve) => (allIn = () => resolve('all in')));
    const results = ids.map((id) => {
      const as: Middleware = (ctx, next) => {
        ctx.set(principalKey, { id, source: 'api-key', scopes: [], roles: [], claims: {} });
        return next(ctx);
      };
      return createToolRunner([as, limiter]).bind(TOOL, async () => {
        if (++entered === ids.length) allIn();
        await gate;
        return { content: [] };
      })({}, extra());
    });
    // Every call must hold its own slot at once: one answered before the gate opens was refused.
    expect(await Promise.race([everyoneIn, Promise.race(results).then(() => 'answered early')])).toBe(
      'all in',
    );
    open();
    expect((await Promise.all(results)).map((r) => r.isError === true)).toEqual([false, false, false]);
  });
});

describe('authInfo.extra cannot choose the principal', () => {
  let caller: AuthInfo | undefined;
  let connection: InMemoryConnection;
  const seen: string[] = [];

  beforeAll(async () => {
    const server = new McpServer({ name: 'forged', version: '1.0.0' });
    const record: Middleware = (ctx, next) => {
      seen.push(JSON.stringify(ctx.get(principalKey)));
      return next(ctx);
    };
    withMiddleware(server, [auth({ tools: { 'admin_*': { scopes: ['admin'] } } }), record]);
    server.registerTool('admin_reset', {}, () => ({ content: [{ type: 'text', text: 'reset' }] }));
    server.registerTool('whoami', {}, () => ({ content: [{ type: 'text', text: 'ok' }] }));
    connection = await connectInMemory(server, { authInfo: () => caller });
  });

  afterAll(async () => {
    await connection.close();
  });

  // What an HTTP layer that copies token claims into extra hands on: a claim named like our key.
  const forged = (claim: unknown): AuthInfo => ({
    token: 'opaque',
    clientId: 'app',
    scopes: ['tools:read'],
    extra: { sub: 'mallory', [PRINCIPAL_EXTRA_KEY]: claim },
  });
  const claims = [
    { id: 'admin', source: 'jwt', scopes: ['admin'], roles: ['admin'], claims: {} },
    { id: 'admin', scopes: ['admin'], roles: [], claims: {} },
    Object.freeze({ id: 'root', source: 'api-key', scopes: ['admin'], roles: [], claims: {} }),
  ];

  for (const claim of claims) {
    it(`refuses an admin tool to a caller whose extra claims ${JSON.stringify(claim)}`, async () => {
      caller = forged(claim);
      const result = (await connection.client.callTool({ name: 'admin_reset' })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(result.content[0]).toMatchObject({ text: expect.stringContaining('admin') as string });
    });

    it(`names the caller by its own subject, not by ${JSON.stringify(claim)}`, async () => {
      caller = forged(claim);
      seen.length = 0;
      await connection.client.callTool({ name: 'whoami' });
      expect(JSON.parse(seen[0] ?? '{}')).toMatchObject({
        id: 'mallory',
        source: 'subject',
        scopes: ['tools:read'],
      });
    });
  }
});
