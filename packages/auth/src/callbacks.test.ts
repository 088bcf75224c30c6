import { isMiddlewareError, type AuthInfo, type MiddlewareEvent } from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler } from '@mcp-middleware/core/testing';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { envCredential } from './api-keys.js';
import { auth } from './auth.js';
import { fromAuthInfo } from './from-auth-info.js';
import { fetchBearerGate } from './http.js';
import { jwt } from './jwt.js';
import type { PrincipalResolver, TokenVerifier } from './resolver.js';

// Every user callback of auth fails closed, whatever it throws or answers: the call is refused as
// UNAUTHENTICATED (reason check_failed) with one warning event, never answered otherwise, never hung.

const revoked = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
const HOSTILE: readonly [string, () => unknown][] = [
  ['an Error', () => new Error('boom')],
  ['a string', () => 'boom'],
  ['null', () => null],
  ['undefined', () => undefined],
  ['a revoked Proxy', revoked],
];
const RETURNED: readonly [string, () => unknown][] = [
  ['a number', () => 42],
  ['an object without scopes', () => ({ id: 'x' })],
  ['a revoked Proxy', revoked],
  ['a principal with a numeric id', () => ({ id: 7, scopes: [], roles: [], claims: {} })],
];

const START_MS = 1_700_000_000_000;
const { privateKey, publicKey } = await generateKeyPair('ES256');
const token = await new SignJWT({
  iss: 'https://issuer',
  aud: 'https://mcp',
  sub: 'alice',
  exp: START_MS / 1000 + 600,
})
  .setProtectedHeader({ alg: 'ES256' })
  .sign(privateKey);
const authInfo: AuthInfo = { token: 'opaque', clientId: 'c', scopes: [] };

function context(info?: AuthInfo, headers?: Record<string, string>, signal?: AbortSignal) {
  return createTestContext({
    tool: { name: 'search' },
    clock: manualClock(START_MS),
    signal,
    extra: {
      ...(info !== undefined && { authInfo: info }),
      ...(headers !== undefined && { requestInfo: { headers } }),
    },
  });
}

async function refused(resolver: PrincipalResolver, info?: AuthInfo, headers?: Record<string, string>) {
  const ctx = context(info, headers);
  const next = stubHandler();
  const error: unknown = await auth({ from: resolver })(ctx, next).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ctx, next };
}

function expectFailedClosed(outcome: Awaited<ReturnType<typeof refused>>): void {
  const { error, ctx, next } = outcome;
  expect(isMiddlewareError(error, 'UNAUTHENTICATED')).toBe(true);
  expect(next.calls).toHaveLength(0);
  const warnings = ctx.events.filter((e: MiddlewareEvent) => e.type === 'warning');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ source: 'auth' });
}

const jwtWith = (principal: () => never) =>
  jwt({
    issuer: 'https://issuer',
    audience: 'https://mcp',
    algorithms: ['ES256'],
    key: publicKey,
    clock: manualClock(START_MS),
    principal,
  });

describe('auth callbacks that throw', () => {
  for (const [name, value] of HOSTILE) {
    it(`refuses the call when a resolver throws ${name}`, async () => {
      expectFailedClosed(
        await refused(() => {
          throw value();
        }),
      );
    });

    it(`refuses the call when an asynchronous resolver rejects with ${name}`, async () => {
      expectFailedClosed(await refused(() => Promise.reject(value())));
    });

    it(`refuses the call when the fromAuthInfo principal option throws ${name}`, async () => {
      const from = fromAuthInfo({
        principal: () => {
          throw value();
        },
      });
      expectFailedClosed(await refused(from, authInfo));
    });

    it(`refuses the call when the jwt principal option throws ${name}`, async () => {
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      try {
        const strategy = jwtWith(() => {
          throw value();
        });
        const { error, next } = await refused(strategy, undefined, { authorization: `Bearer ${token}` });
        expect([isMiddlewareError(error, 'UNAUTHENTICATED'), next.calls.length]).toEqual([true, 0]);
        expect(warn).toHaveBeenCalledTimes(1);
      } finally {
        warn.mockRestore();
      }
    });

    it(`refuses the call when envCredential's verifier throws ${name}`, async () => {
      const verifier: TokenVerifier = {
        verify: () => {
          throw value();
        },
      };
      const from = envCredential({ verifier, env: { MCP_AUTH_TOKEN: 'k' } });
      expectFailedClosed(await refused(from));
    });

    it(`answers 500 from the bearer gate when its verifier throws ${name}`, async () => {
      const gate = fetchBearerGate({
        resource: 'https://mcp',
        verifier: {
          verify: () => {
            throw value();
          },
        },
      });
      const answer = await gate(new Request('https://mcp', { headers: { authorization: 'Bearer t' } }));
      expect(answer instanceof Response ? answer.status : 200).toBe(500);
    });
  }

  for (const [name, value] of RETURNED) {
    it(`refuses the call when a resolver returns ${name}`, async () => {
      expectFailedClosed(await refused(() => value() as never));
    });

    it(`refuses the call when the fromAuthInfo principal option returns ${name}`, async () => {
      expectFailedClosed(await refused(fromAuthInfo({ principal: () => value() as never }), authInfo));
    });
  }

  it('ends a resolver that never answers with the call’s cancellation', async () => {
    const controller = new AbortController();
    const ctx = context(undefined, undefined, controller.signal);
    const pending = auth({ from: () => new Promise(() => undefined) })(ctx, stubHandler());
    controller.abort(new Error('client went away'));
    const error: unknown = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMiddlewareError(error, 'CANCELLED')).toBe(true);
  });
});
