/** API keys stored as SHA-256 digests and compared in constant time; and stdio's credential from the environment. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError, type Principal, type RequestContext } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { bearerTokenOf, headerValue } from './credentials.js';
import { API_KEY_ENTRY_OPTIONS, API_KEYS_OPTIONS, ENV_CREDENTIAL_OPTIONS } from './declaration.js';
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
    const { values, reader } = API_KEY_ENTRY_OPTIONS.read(entry, `keys[${index}].`);
    const id = values.id ?? reader.fail('id', 'a non-empty string');
    const sha256 = values.sha256;
    // A string is described, never shown: it may be the key itself, written where its digest belongs.
    if (typeof sha256 !== 'string' || !HEX_DIGEST.test(sha256))
      reader.fail('sha256', 'the key’s SHA-256 digest (64 hex characters)');
    const digest = sha256.toLowerCase();
    if (seen.has(digest)) reader.fail('sha256', 'unique: the same key is listed twice', 'a duplicate');
    seen.add(digest);
    const claims = values.claims ?? {};
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
      reader.fail('claims', 'an object');
    return {
      digest: Buffer.from(digest, 'hex'),
      principal: freezePrincipal(
        { id, clientId: id, scopes: values.scopes, roles: values.roles, claims },
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
  const { values, reader } = API_KEYS_OPTIONS.read(options);
  const keys = readKeys(values.keys);
  const header = values.header;
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
  const { values, reader } = ENV_CREDENTIAL_OPTIONS.read(options);
  const verifier = readVerifier(reader, 'verifier');
  const variable = values.variable;
  const env = values.env ?? process.env;
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
