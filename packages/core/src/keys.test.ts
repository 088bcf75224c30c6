import { describe, expect, it } from 'vitest';
import { keyOfPrincipal, principalIdOf, principalKey, principalKeyOf, type Principal } from './keys.js';

const ctxOf = (principal: Principal | undefined, clientId?: string) => ({
  get: (key: typeof principalKey) => (key === principalKey ? principal : undefined),
  authInfo: clientId === undefined ? undefined : { clientId },
});
const principal = (id: string, source?: string): Principal => ({
  id,
  ...(source !== undefined && { source }),
  scopes: [],
  roles: [],
  claims: {},
});

describe('principalKeyOf', () => {
  it('gives distinct keys to distinct (source, id) pairs, whatever the strings hold', () => {
    // Every pair over an alphabet of the separators, the escape and odd UTF-16: 14 641 pairs.
    const atoms = ['', ':', '%', '3A', 'a', 'jwt', '\ud800', '\ufffd', '%3A', 'client:', 'x'];
    const parts = atoms.flatMap((a) => atoms.map((b) => a + b)).filter((v, i, all) => all.indexOf(v) === i);
    const seen = new Map<string, string>();
    for (const source of [undefined, ...parts]) {
      for (const id of parts) {
        const key = principalKeyOf(source, id);
        const pair = JSON.stringify([source, id]);
        expect(seen.get(key) ?? pair).toBe(pair);
        seen.set(key, pair);
      }
    }
    expect(seen.size).toBe((parts.length + 1) * parts.length);
  });

  it('keeps built-in sources readable', () => {
    expect(principalKeyOf('jwt', 'client:x')).toBe('jwt:client:x');
    expect(principalKeyOf('a:b', 'c')).toBe('a%3Ab:c');
  });
});

describe('principalIdOf', () => {
  it('separates a JWT subject client:x from the OAuth client x', () => {
    const jwt = principalIdOf(ctxOf(principal('client:x', 'jwt')));
    const client = principalIdOf(ctxOf(undefined, 'x'));
    expect(jwt).toBe('jwt:client:x');
    expect(client).toBe('client:x');
    expect(client).toBe(principalIdOf(ctxOf(principal('x', 'client'))));
  });

  it('keys a principal without a source by its id alone, escaped apart from every sourced key', () => {
    expect(keyOfPrincipal(principal('partner-a'))).toBe('partner-a');
    expect(keyOfPrincipal(principal('jwt:alice'))).toBe('jwt%3Aalice');
    expect(keyOfPrincipal(principal('alice', 'jwt'))).toBe('jwt:alice');
    expect(principalIdOf(ctxOf(principal('partner-a', 'api-key')))).not.toBe(
      principalIdOf(ctxOf(principal('partner-a', 'jwt'))),
    );
  });

  it('answers undefined for an anonymous call', () => {
    expect(principalIdOf(ctxOf(undefined))).toBeUndefined();
  });
});
