// Each resolver reads its options through its one declaration: every declared number is refused past its
// range by the factory itself, and a misspelt key is named with the declared one it resembles.
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '@mcp-middleware/core';
import type { OptionSpec } from '@mcp-middleware/core/options';
import { describe, expect, it } from 'vitest';
import { apiKeys, envCredential, hashApiKey } from './api-keys.js';
import {
  API_KEY_ENTRY_OPTIONS,
  API_KEYS_OPTIONS,
  ENV_CREDENTIAL_OPTIONS,
  JWT_OPTIONS,
} from './declaration.js';
import { fromAuthInfo } from './from-auth-info.js';
import { jwt } from './jwt.js';

const { publicKey: key } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const JWT_BASE = { issuer: 'https://issuer.test', audience: 'https://mcp.test', algorithms: ['ES256'], key };
const KEYS = [{ id: 'ci', sha256: hashApiKey('k') }];

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

// The declared number options of a declaration, each with a value just past its range.
function pastRange(specs: Readonly<Record<string, OptionSpec>>): [string, number][] {
  return Object.entries(specs).flatMap(([name, spec]): [string, number][] =>
    spec.kind === 'integer' || spec.kind === 'number'
      ? [[name, spec.max === undefined ? (spec.min ?? 0) - 1 : spec.max + 1]]
      : [],
  );
}

describe('the resolvers read their declared options', () => {
  it.each(pastRange(JWT_OPTIONS.specs))(
    'jwt refuses %s = %d, naming the option and its range',
    (name, bad) => {
      const error = refusal(() => jwt({ ...JWT_BASE, [name]: bad } as never));
      expect(error.path).toBe(name);
      expect(error.message).toMatch(new RegExp(`^jwt: ${name} must be an? (integer|number) (from|≥)`));
    },
  );

  it('declares a number option for every numeric jwt setting, so none is checked by hand', () => {
    expect(pastRange(JWT_OPTIONS.specs).map(([name]) => name)).toEqual([
      'clockToleranceSec',
      'maxTokenAgeSec',
      'maxTokenBytes',
      'cacheSize',
      'cacheMaxAgeMs',
      'jwksTimeoutMs',
      'jwksCooldownMs',
      'jwksCacheMaxAgeMs',
    ]);
  });

  it('jwt suggests the declared name of a misspelt option', () => {
    expect(refusal(() => jwt({ ...JWT_BASE, clockToleranceSecs: 5 } as never)).message).toContain(
      'did you mean clockToleranceSec?',
    );
  });

  it('apiKeys suggests the declared name of a misspelt option', () => {
    expect(refusal(() => apiKeys({ keys: KEYS, headers: 'x-key' } as never)).message).toContain(
      'did you mean header?',
    );
  });

  it('apiKeys names a misspelt field of a key entry by its place in the list', () => {
    const error = refusal(() =>
      apiKeys({ keys: [...KEYS, { id: 'b', sha256: hashApiKey('b'), scope: [] }] } as never),
    );
    expect(error.path).toBe('keys[1].scope');
    expect(error.message).toContain('did you mean keys[1].scopes?');
  });

  it('apiKeys refuses a key entry whose scopes are not a list of strings, naming the entry', () => {
    const error = refusal(() => apiKeys({ keys: [{ ...KEYS[0]!, scopes: 'admin' }] } as never));
    expect(error.path).toBe('keys[0].scopes');
  });

  it('envCredential suggests the declared name of a misspelt option', () => {
    const verifier = apiKeys({ keys: KEYS });
    expect(refusal(() => envCredential({ verifier, varible: 'X' } as never)).message).toContain(
      'did you mean variable?',
    );
  });

  it('fromAuthInfo suggests the declared name of a misspelt option', () => {
    expect(refusal(() => fromAuthInfo({ resources: 'https://mcp.test' } as never)).message).toContain(
      'did you mean resource?',
    );
  });

  it('declares the defaults the resolvers apply', () => {
    expect(API_KEYS_OPTIONS.specs.header.default).toBe('x-api-key');
    expect(ENV_CREDENTIAL_OPTIONS.specs.variable.default).toBe('MCP_AUTH_TOKEN');
    expect(API_KEY_ENTRY_OPTIONS.specs.scopes.default).toEqual([]);
  });
});
