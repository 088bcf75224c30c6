/** jwt()'s key material and its checks: algorithms, issuer and audience lists, the JWKS URI, fixed keys. */
import { KeyObject } from 'node:crypto';
import { ConfigError } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { createLocalJWKSet, type CryptoKey, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';

/** The signature algorithms jwt() accepts (never `none`). */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
] as const;

/** One accepted signature algorithm. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** A fixed verification key: a public key, a shared secret (HS*), one JWK, or a local key set. */
export type JwtKey = CryptoKey | KeyObject | Uint8Array | JWK | JSONWebKeySet;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function stringList(path: string, value: unknown, what: string): readonly string[] {
  const list: readonly unknown[] | undefined =
    typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (value === undefined) {
    throw new ConfigError(path, `jwt: ${path} is required (${what}); it cannot be left out`);
  }
  if (list === undefined || list.length === 0 || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw new ConfigError(
      path,
      `jwt: ${path} must be ${what}: a non-empty string or list of them, got ${describeValue(value)}`,
    );
  }
  return Object.freeze([...(list as string[])]);
}

export function readAlgorithms(value: unknown): readonly JwtAlgorithm[] {
  const expected = `a non-empty list of ${JWT_ALGORITHMS.join(', ')}`;
  if (value === undefined) {
    throw new ConfigError('algorithms', `jwt: algorithms is required (${expected}); it cannot be left out`);
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError('algorithms', `jwt: algorithms must be ${expected}, got ${describeValue(value)}`);
  }
  for (const alg of value as unknown[]) {
    if (!(JWT_ALGORITHMS as readonly unknown[]).includes(alg)) {
      const shown = typeof alg === 'string' ? `"${alg}"` : describeValue(alg);
      throw new ConfigError('algorithms', `jwt: algorithms must be ${expected}; ${shown} is not allowed`);
    }
  }
  return Object.freeze([...(value as JwtAlgorithm[])]);
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && 'keys' in value;
}

export function readJwksUri(value: unknown): URL {
  let url: URL;
  try {
    url = new URL(value as string | URL);
  } catch {
    throw new ConfigError('jwksUri', `jwt: jwksUri must be an absolute URL, got ${describeValue(value)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new ConfigError(
      'jwksUri',
      `jwt: jwksUri must use https (plain http only on localhost), got ${url.protocol}//${url.host}`,
    );
  }
  return url;
}

/** The key jose verifies with: a fixed key as given, a JWK or key set as a local key-set resolver. */
export function readKey(value: unknown): JwtKey | JWTVerifyGetKey {
  // Typed arrays have a keys() method: tell a shared secret from a key set first.
  if (value instanceof Uint8Array) {
    if (value.length < 32) {
      throw new ConfigError('key', 'jwt: key as a shared secret must be at least 32 bytes');
    }
    return value;
  }
  if (value instanceof KeyObject || Object.prototype.toString.call(value) === '[object CryptoKey]') {
    return value as KeyObject;
  }
  if (isKeySet(value)) {
    if (!Array.isArray(value.keys) || value.keys.length === 0) {
      throw new ConfigError('key', 'jwt: key is an empty key set; it must hold at least one key');
    }
    return createLocalJWKSet(value);
  }
  if (typeof value === 'object' && value !== null && typeof (value as JWK).kty === 'string') {
    return createLocalJWKSet({ keys: [value] });
  }
  throw new ConfigError(
    'key',
    `jwt: key must be a KeyObject, CryptoKey, JWK, key set or shared secret, got ${describeValue(value)}`,
  );
}
