/** jwt()'s options: the interface users read, and where the declared ones (declaration.ts) are read and checked. */
import { ConfigError, systemClock, type Clock, type Principal } from '@mcp-middleware/core';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { principalFromClaims } from './claims.js';
import { JWT_OPTIONS } from './declaration.js';
import {
  readAlgorithms,
  readJwksUri,
  readKey,
  stringList,
  type JwtAlgorithm,
  type JwtKey,
} from './jwt-keys.js';

/** Options of {@link jwt}. `issuer`, `audience`, `algorithms` and one of `jwksUri` / `key` are required. */
export interface JwtOptions {
  /** The `iss` values to trust. Required. */
  readonly issuer: string | readonly string[];
  /** This server's identifiers (its canonical URI, RFC 8707); `aud` must name one. Required. */
  readonly audience: string | readonly string[];
  /** The allowed signature algorithms, e.g. `['RS256', 'ES256']`. Required, non-empty; `none` is refused. */
  readonly algorithms: readonly JwtAlgorithm[];
  /** Where the issuer publishes its keys (https, or http on loopback). Exactly one of `jwksUri` and `key`. */
  readonly jwksUri?: string | URL | undefined;
  /** A fixed key or key set. Exactly one of `jwksUri` and `key`. */
  readonly key?: JwtKey | undefined;
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. @default 5 */
  readonly clockToleranceSec?: number | undefined;
  /** Refuse tokens issued longer ago than this (needs `iat`), in seconds. @default undefined (no limit) */
  readonly maxTokenAgeSec?: number | undefined;
  /** The required `typ` header, e.g. `at+jwt` (RFC 9068). @default undefined (not checked) */
  readonly typ?: string | undefined;
  /** Longer tokens are refused before any parsing, in bytes. @default 8192 */
  readonly maxTokenBytes?: number | undefined;
  /** Verified tokens kept in memory; 0 disables the cache. @default 1000 */
  readonly cacheSize?: number | undefined;
  /** How long a verified token is served from the cache at most (never past its `exp`), in ms. @default 60000 */
  readonly cacheMaxAgeMs?: number | undefined;
  /** Timeout of one JWKS fetch, in ms. @default 5000 */
  readonly jwksTimeoutMs?: number | undefined;
  /** Minimum gap between refetches that an unknown `kid` triggers, in ms. @default 30000 */
  readonly jwksCooldownMs?: number | undefined;
  /** How long fetched keys are trusted before a refetch, in ms. @default 600000 */
  readonly jwksCacheMaxAgeMs?: number | undefined;
  /**
   * Maps verified claims to a principal.
   * @default `id` = `sub`, `clientId` = `client_id` or `azp`, `scopes` from `scope` or `scp`, `roles` from
   * `roles`, `claims` = the payload
   */
  readonly principal?: ((claims: JWTPayload) => Principal) | undefined;
  /** Time for expiry checks and the cache. @default systemClock */
  readonly clock?: Clock | undefined;
}

/** jwt()'s options checked (a ConfigError names the bad one), with defaults applied. */
export interface ResolvedJwt {
  readonly audiences: readonly string[];
  readonly clockToleranceSec: number;
  readonly maxTokenBytes: number;
  readonly cacheSize: number;
  readonly cacheMaxAgeMs: number;
  readonly toPrincipal: (claims: JWTPayload) => Principal;
  readonly clock: Clock;
  /** Keys come from a JWKS endpoint (else a fixed key). */
  readonly hasUri: boolean;
  readonly key: JwtKey | JWTVerifyGetKey;
  /** What jose checks, less the current date. */
  readonly verifyOptions: JWTVerifyOptions;
}

/** Reads and checks jwt()'s options once, when the factory runs. */
export function readJwtOptions(options: JwtOptions): ResolvedJwt {
  if (options === undefined) {
    throw new ConfigError(
      'options',
      'jwt: options are required (issuer, audience, algorithms, jwksUri or key)',
    );
  }
  const { values, reader } = JWT_OPTIONS.read(options);
  const issuer = stringList('issuer', values.issuer, 'the trusted token issuer');
  const audiences = stringList('audience', values.audience, "this server's canonical URI");
  const algorithms = readAlgorithms(values.algorithms);
  const { clockToleranceSec, maxTokenAgeSec, typ, maxTokenBytes, cacheSize, cacheMaxAgeMs } = values;
  const toPrincipal = values.principal ?? principalFromClaims;
  const clock = values.clock ?? systemClock;
  if (typeof clock.now !== 'function') reader.fail('clock', 'a Clock (an object with now())');

  const hasUri = reader.has('jwksUri');
  const hasKey = reader.has('key');
  if (hasUri === hasKey) {
    throw new ConfigError(
      hasUri ? 'key' : 'jwksUri',
      `jwt: give exactly one of jwksUri (the issuer's key set) and key (a fixed key), ${hasUri ? 'not both' : 'got neither'}`,
    );
  }
  const symmetric = algorithms.filter((alg) => alg.startsWith('HS'));
  if (hasUri && symmetric.length > 0) {
    throw new ConfigError(
      'algorithms',
      `jwt: ${symmetric.join(', ')} need a shared secret and cannot come from a public key set (jwksUri)`,
    );
  }
  const key: JwtKey | JWTVerifyGetKey = hasUri
    ? createRemoteJWKSet(readJwksUri(values.jwksUri), {
        timeoutDuration: values.jwksTimeoutMs,
        cooldownDuration: values.jwksCooldownMs,
        cacheMaxAge: values.jwksCacheMaxAgeMs,
      })
    : readKey(values.key);

  const verifyOptions: JWTVerifyOptions = {
    issuer: [...issuer],
    audience: [...audiences],
    algorithms: [...algorithms],
    clockTolerance: clockToleranceSec,
    requiredClaims: ['exp', 'sub'],
    ...(typ !== undefined && { typ }),
    ...(maxTokenAgeSec !== undefined && { maxTokenAge: maxTokenAgeSec }),
  };
  return {
    audiences,
    clockToleranceSec,
    maxTokenBytes,
    cacheSize,
    cacheMaxAgeMs,
    toPrincipal,
    clock,
    hasUri,
    key,
    verifyOptions,
  };
}
