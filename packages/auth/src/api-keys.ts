/** API keys stored as SHA-256 digests and compared in constant time; and stdio's credential from the environment. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError, readOptions, type Principal, type RequestContext } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { bearerTokenOf, headerValue } from './credentials.js';
import { credentialError } from './problems.js';
import {
  authInfoFor,
  freezePrincipal,
  readVerifier,
  type PrincipalResolver,
  type TokenVerifier,
  type VerifiedToken,
} from './resolver.js';

/** One accepted API key. The key itself is never configured, only its digest. */
export interface ApiKeyEntry {
  /** Who holds the key; becomes `principal.id` (two keys may share an id while one is rotated out). */
  readonly id: string;
  /** The key's SHA-256 digest as 64 hex characters (see {@link hashApiKey}). */
  readonly sha256: string;
  /** @default [] */
  readonly scopes?: readonly string[] | undefined;
  /** @default [] */
  readonly roles?: readonly string[] | undefined;
  /** Attributes handed on as `principal.claims`. @default {} */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/** Options of {@link apiKeys}. */
export interface ApiKeysOptions {
  /** The accepted keys. Required, non-empty. */
  readonly keys: readonly ApiKeyEntry[];
  /**
   * The request header that carries the key (lower case). `authorization` reads `Authorization: Bearer <key>`
   * (and `authInfo.token`).
   * @default 'x-api-key'
   */
  readonly header?: string | undefined;
}

/** An API-key strategy: a resolver for auth() and a verifier for the bearer gates. */
export interface ApiKeyStrategy extends TokenVerifier {
  (ctx: RequestContext): Principal | undefined;
  verify(token: string): VerifiedToken;
  readonly issuedHere: true;
}

/** The SHA-256 hex digest to configure for an API key (run it once, offline, and store only the digest). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

const MAX_KEY_LENGTH = 1024;
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

interface StoredKey {
  readonly digest: Buffer;
  readonly principal: Principal;
}

function readKeys(value: unknown): readonly StoredKey[] {
  if (value === undefined) {
    throw new ConfigError('keys', 'apiKeys: keys is required: a non-empty list of { id, sha256 }');
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(
      'keys',
      `apiKeys: keys must be a non-empty list of { id, sha256 }, got ${Array.isArray(value) ? 'an empty list' : describeValue(value)}`,
    );
  }
  const seen = new Set<string>();
  return (value as unknown[]).map((entry, index) => {
    const reader = readOptions(
      'apiKeys',
      entry,
      ['id', 'sha256', 'scopes', 'roles', 'claims'],
      `keys.${index}.`,
    );
    const id = reader.string('id') ?? reader.fail('id', 'a non-empty string');
    const sha256 =
      reader.string('sha256') ?? reader.fail('sha256', 'the key’s SHA-256 digest (64 hex characters)');
    if (!HEX_DIGEST.test(sha256))
      reader.fail('sha256', 'the key’s SHA-256 digest (64 hex characters)', 'a string');
    const digest = sha256.toLowerCase();
    if (seen.has(digest)) reader.fail('sha256', 'unique: the same key is listed twice', 'a duplicate');
    seen.add(digest);
    const list = (key: string): readonly string[] => {
      const items = reader.raw(key) ?? [];
      if (!Array.isArray(items) || !items.every((s) => typeof s === 'string' && s !== '')) {
        reader.fail(key, 'a list of non-empty strings');
      }
      return items as string[];
    };
    const claims = reader.raw('claims') ?? {};
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
      reader.fail('claims', 'an object');
    return {
      digest: Buffer.from(digest, 'hex'),
      principal: freezePrincipal(
        {
          id,
          clientId: id,
          scopes: list('scopes'),
          roles: list('roles'),
          claims: claims as Record<string, unknown>,
        },
        'api-key',
      ),
    };
  });
}

/**
 * Authenticates API keys. Keys are configured as SHA-256 digests; a presented key is hashed and compared with
 * every stored digest through `crypto.timingSafeEqual`, so timing says nothing about which key came close.
 */
export function apiKeys(options: ApiKeysOptions): ApiKeyStrategy {
  const reader = readOptions('apiKeys', options, ['keys', 'header']);
  const keys = readKeys(reader.raw('keys'));
  const header = reader.string('header', 'x-api-key');
  if (header !== header.toLowerCase()) reader.fail('header', 'a lower-case header name');

  function verify(key: string): VerifiedToken {
    if (key.length > MAX_KEY_LENGTH) throw credentialError('too_large');
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let match: StoredKey | undefined;
    for (const stored of keys) {
      // No early exit: every digest is compared, whichever one matches.
      if (timingSafeEqual(digest, stored.digest)) match = stored;
    }
    if (match === undefined) throw credentialError('unknown_api_key');
    return { principal: match.principal, authInfo: authInfoFor(key, match.principal, undefined, undefined) };
  }

  const read =
    header === 'authorization'
      ? bearerTokenOf
      : (ctx: RequestContext): string | undefined => headerValue(ctx.requestInfo?.headers, header);

  const strategy = function apiKeys(ctx: RequestContext): Principal | undefined {
    const key = read(ctx);
    if (key === undefined) return undefined;
    if (key === '') throw credentialError('malformed');
    return verify(key).principal;
  };
  return Object.assign(strategy, { verify, issuedHere: true as const });
}

/** Options of {@link envCredential}. */
export interface EnvCredentialOptions {
  /** Checks the credential: `apiKeys({ keys })` or `jwt({ … })`. Required. */
  readonly verifier: TokenVerifier;
  /** The environment variable the client set when it launched this server. @default 'MCP_AUTH_TOKEN' */
  readonly variable?: string | undefined;
  /** Where to read it, once, when the factory runs. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * For stdio servers (the MCP spec: stdio takes credentials from the environment, not OAuth): the credential
 * the launching client put in `variable`, checked by `verifier`. Calls that arrive over HTTP are not its
 * business (it returns undefined), so a server that also listens on HTTP never lends them its identity.
 */
export function envCredential(options: EnvCredentialOptions): PrincipalResolver {
  const reader = readOptions('envCredential', options, ['verifier', 'variable', 'env']);
  const verifier = readVerifier(reader, 'verifier');
  const variable = reader.string('variable', 'MCP_AUTH_TOKEN');
  const env = (reader.raw('env') ?? process.env) as Readonly<Record<string, string | undefined>>;
  if (typeof env !== 'object' || env === null) reader.fail('env', 'an object of environment variables');
  const raw = env[variable];
  // Accept "Bearer <token>" too: some launchers copy a header value verbatim.
  const credential = raw?.replace(/^Bearer\s+/i, '').trim() || undefined;

  return function envCredential(ctx: RequestContext): Principal | undefined | Promise<Principal | undefined> {
    if (ctx.requestInfo !== undefined) return undefined;
    if (credential === undefined) throw credentialError('missing_credentials');
    const verified = verifier.verify(credential);
    return verified instanceof Promise ? verified.then((v) => v.principal) : verified.principal;
  };
}
