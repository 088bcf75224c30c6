/**
 * auth()'s options and its resolvers' options, declared once (the package's `./options` export): each
 * factory's check, the config file's validation and its JSON Schema come from here. A config file writes
 * the resolvers as `jwt:`, `apiKeys:`, `env:` and `authInfo:` beside auth()'s own options.
 */
import {
  declareOptions,
  fn,
  integer,
  number,
  oneOf,
  string,
  strings,
  value,
} from '@mcp-middleware/core/options';
import type { ApiKeyEntry, ApiKeysOptions, EnvCredentialOptions } from './api-keys.js';
import type { AuthOptions } from './auth.js';
import type { FromAuthInfoOptions } from './from-auth-info.js';
import type { JwtOptions } from './jwt-options.js';

const access = (what: string): string =>
  `{ "<glob>": { scopes?, roles? } } per ${what}: the caller needs every scope and one of the roles`;

/** Every option of {@link AuthOptions}: kind, default, and one line of doc. */
export const AUTH_OPTIONS = declareOptions<AuthOptions>()('auth', {
  from: value({
    doc: "who is calling: a resolver or a list, tried in order (default: the transport's authInfo)",
    inFile: false,
  }),
  tools: value({ default: {}, doc: access('tool name') }),
  prompts: value({ default: {}, doc: access('prompt name') }),
  resources: value({ default: {}, doc: access('resource URI') }),
  forbidden: oneOf(['hide', 'refuse'], {
    default: 'hide',
    doc: 'answer for something the caller may not use: hide (as unknown) or refuse',
  }),
});

/** Every option of {@link JwtOptions}. The `value` ones are checked in jwt-options.ts and jwt-keys.ts. */
export const JWT_OPTIONS = declareOptions<JwtOptions>()('jwt', {
  issuer: value({ doc: 'the iss value or values to trust (required)' }),
  audience: value({ doc: "this server's canonical URI or URIs; aud must name one (required)" }),
  algorithms: value({
    doc: 'the allowed signature algorithms, e.g. [RS256, ES256]; none is refused (required)',
  }),
  jwksUri: value({ doc: "the issuer's key set: https, or plain http on localhost (this or key)" }),
  key: value({ doc: 'a fixed key, key set or shared secret (this or jwksUri)', inFile: false }),
  clockToleranceSec: number({
    min: 0,
    max: 300,
    default: 5,
    doc: 'clock skew allowed for exp, nbf and iat, in seconds',
  }),
  maxTokenAgeSec: number({
    min: 1,
    doc: 'refuse tokens whose iat is older than this, in seconds (default: no limit)',
  }),
  typ: string({ doc: 'the required typ header, e.g. at+jwt (default: not checked)' }),
  maxTokenBytes: integer({
    min: 256,
    max: 1_048_576,
    default: 8192,
    doc: 'longer tokens are refused before any parsing',
  }),
  cacheSize: integer({
    min: 0,
    max: 10_000_000,
    default: 1000,
    doc: 'verified tokens kept in memory; 0 turns the cache off',
  }),
  cacheMaxAgeMs: integer({
    min: 0,
    default: 60_000,
    doc: 'the longest a verified token is served from the cache (never past its exp)',
  }),
  jwksTimeoutMs: integer({ min: 1, max: 60_000, default: 5000, doc: 'timeout of one JWKS fetch' }),
  jwksCooldownMs: integer({
    min: 0,
    default: 30_000,
    doc: 'minimum gap between the refetches an unknown kid triggers',
  }),
  jwksCacheMaxAgeMs: integer({
    min: 0,
    default: 600_000,
    doc: 'how long fetched keys are trusted before the set is fetched again',
  }),
  principal: fn(
    'maps the verified claims to a principal (default: sub, client_id or azp, scope or scp, roles)',
  ),
  clock: value({
    doc: 'the time source for expiry checks and the cache (default: systemClock)',
    inFile: false,
  }),
});

/** Every field of one {@link ApiKeyEntry}; apiKeys() reads each entry of `keys` with it. */
export const API_KEY_ENTRY_OPTIONS = declareOptions<ApiKeyEntry>()('apiKeys', {
  id: string({ doc: 'who holds the key; becomes principal.id (required)' }),
  sha256: value({ doc: 'the SHA-256 hex digest of the key, never the key (required)' }),
  scopes: strings({ default: [], doc: 'the scopes the key grants' }),
  roles: strings({ default: [], doc: 'the roles the key grants' }),
  claims: value({ default: {}, doc: 'attributes handed on as principal.claims' }),
});

/** Every option of {@link ApiKeysOptions}. */
export const API_KEYS_OPTIONS = declareOptions<ApiKeysOptions>()('apiKeys', {
  keys: value({
    doc: 'the accepted keys: a non-empty list of { id, sha256, scopes?, roles?, claims? } (required)',
  }),
  header: string({
    default: 'x-api-key',
    doc: 'the lower-case request header that carries the key; authorization reads Bearer',
  }),
});

/** Every option of {@link EnvCredentialOptions}. */
export const ENV_CREDENTIAL_OPTIONS = declareOptions<EnvCredentialOptions>()('envCredential', {
  verifier: value({
    doc: 'checks the credential: apiKeys({ keys }) or jwt({ … }) (required)',
    inFile: false,
  }),
  variable: string({
    default: 'MCP_AUTH_TOKEN',
    doc: 'the environment variable the launching client sets',
  }),
  env: value({ doc: 'where the variable is read, once (default: process.env)', inFile: false }),
});

/** Every option of {@link FromAuthInfoOptions}. */
export const FROM_AUTH_INFO_OPTIONS = declareOptions<FromAuthInfoOptions>()('fromAuthInfo', {
  resource: value({
    doc: "this server's canonical URI; authInfo.resource must name it (default: not checked)",
  }),
  principal: fn('maps authInfo to a principal (default: the principal a verifier of this package left)'),
});
