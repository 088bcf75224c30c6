import { isMiddlewareError } from '@mcp-middleware/core';
import { createTestContext } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { bearerToken, bearerTokenOf, headerValue } from './credentials.js';

describe('bearerToken', () => {
  it('reads the token of a Bearer header, whatever the scheme’s case', () => {
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('leaves another scheme to other resolvers', () => {
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
  });

  it('refuses a Bearer header without a token as malformed', () => {
    let caught: unknown;
    try {
      bearerToken('Bearer ');
    } catch (error) {
      caught = error;
    }
    expect(isMiddlewareError(caught, 'UNAUTHENTICATED')).toBe(true);
  });

  it('refuses a Bearer header with two tokens', () => {
    expect(() => bearerToken('Bearer a b')).toThrow(/malformed/);
  });
});

describe('headerValue', () => {
  it('refuses a header sent twice', () => {
    expect(() => headerValue({ authorization: ['Bearer a', 'Bearer b'] }, 'authorization')).toThrow(
      /malformed/,
    );
  });
});

describe('bearerTokenOf', () => {
  it('prefers authInfo.token over the authorization header', () => {
    const ctx = createTestContext({
      extra: {
        authInfo: { token: 'from-auth-info', clientId: 'c', scopes: [] },
        requestInfo: { headers: { authorization: 'Bearer from-header' } },
      },
    });
    expect(bearerTokenOf(ctx)).toBe('from-auth-info');
  });

  it('falls back to the request’s authorization header', () => {
    const ctx = createTestContext({
      extra: { requestInfo: { headers: { authorization: 'Bearer from-header' } } },
    });
    expect(bearerTokenOf(ctx)).toBe('from-header');
  });

  it('finds nothing on a call without HTTP headers or authInfo', () => {
    expect(bearerTokenOf(createTestContext())).toBeUndefined();
  });
});
