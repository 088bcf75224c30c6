/**
 * auth in a config file: auth()'s declared options, and the resolvers a file names beside them (`jwt:`,
 * `apiKeys:`, `env:`, `authInfo:`), each written as its factory's declared options.
 */
import {
  apiKeys,
  auth,
  envCredential,
  fromAuthInfo,
  jwt,
  JWT_ALGORITHMS,
  type PrincipalResolver,
} from '@mcp-middleware/auth';
import {
  API_KEY_ENTRY_OPTIONS,
  API_KEYS_OPTIONS,
  AUTH_OPTIONS,
  ENV_CREDENTIAL_OPTIONS,
  FROM_AUTH_INFO_OPTIONS,
  JWT_OPTIONS,
} from '@mcp-middleware/auth/options';
import { ConfigError } from '@mcp-middleware/core';
import { z } from 'zod/v4';
import { declaredObject, fileOptions } from './declared.js';
import type { RegistryEntry } from './registry.js';
import { oneOf, text, textList } from './schema-helpers.js';

type Options = Record<string, unknown>;

const oneOrMany = (what: string) =>
  z.union([text(), textList().min(1)], {
    error: `expected ${what}: a string or a non-empty list of strings`,
  });
const requirement = z.strictObject({ scopes: textList().optional(), roles: textList().optional() });
const digest = 'expected 64 hex characters (sha256 of the key)';

// The file shapes of the resolvers' `value` options. The factories check what a shape does not say
// (an https JWKS URI, a lower-case header, a key listed twice) and name the option when they refuse.
const KEYS = z
  .array(
    declaredObject(API_KEY_ENTRY_OPTIONS, {
      shapes: {
        sha256: z.string({ error: digest }).regex(/^[0-9a-fA-F]{64}$/, { error: digest }),
        claims: z.record(z.string(), z.unknown(), { error: 'expected an object of claims' }),
      },
      required: ['id', 'sha256'],
    }),
    { error: 'expected a list of { id, sha256 }' },
  )
  .min(1, { error: 'expected at least one key' });

const JWT = declaredObject(JWT_OPTIONS, {
  shapes: {
    issuer: oneOrMany('the issuer (iss) tokens must carry'),
    audience: oneOrMany(
      'this server as the audience (aud) tokens must name; never optional, as the MCP spec forbids token passthrough',
    ),
    algorithms: z
      .array(oneOf(JWT_ALGORITHMS), { error: 'expected a list of algorithms' })
      .min(1, { error: 'expected at least one algorithm' }),
    jwksUri: text(),
  },
  // A file cannot write a fixed key, so it names the issuer's key set.
  required: ['issuer', 'audience', 'algorithms', 'jwksUri'],
});
const API_KEYS = declaredObject(API_KEYS_OPTIONS, { shapes: { keys: KEYS }, required: ['keys'] });
// envCredential()'s verifier, from a file: apiKeys() over `keys`.
const ENV = declaredObject(ENV_CREDENTIAL_OPTIONS, {
  fileOnly: { keys: { schema: KEYS, doc: ['the accepted keys, as under apiKeys (required)'] } },
  required: ['keys'],
});
// Checked by a refinement, not z.string(): inside a union (`authInfo: true | { … }`) a type error is
// reported at the union's path, a refinement's at the option's own. The meta keeps the JSON Schema's type.
const absoluteUrl = z
  .unknown()
  .refine((v) => typeof v === 'string' && URL.canParse(v), { error: 'expected an absolute URL' })
  .meta({ type: 'string', format: 'uri' });
const AUTH_INFO = z.union(
  [z.literal(true), declaredObject(FROM_AUTH_INFO_OPTIONS, { shapes: { resource: absoluteUrl } })],
  { error: 'expected true or { resource: "https://…" }' },
);

/** Each resolver a file can name, in the order auth() tries them, and how its file options build it. */
const RESOLVERS: readonly (readonly [key: string, build: (options: Options) => PrincipalResolver])[] = [
  ['authInfo', (options) => fromAuthInfo(options)],
  ['jwt', (options) => jwt(options as never)],
  ['apiKeys', (options) => apiKeys(options as never)],
  ['env', ({ keys, ...rest }) => envCredential({ ...rest, verifier: apiKeys({ keys } as never) })],
];
const RESOLVER_KEYS = RESOLVERS.map(([key]) => key);

/**
 * Builds the resolver a file names under `key`. A ConfigError from its factory names the option within
 * the resolver's own options (`clockToleranceSec`); in a file it sits under `key` (`jwt.clockToleranceSec`).
 */
function resolverAt(key: string, build: () => PrincipalResolver): PrincipalResolver {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const path = error.path === '' || error.path === 'options' ? key : `${key}.${error.path}`;
    throw new ConfigError(path, error.message, { cause: error });
  }
}

function resolversOf(options: Options): PrincipalResolver[] {
  const from: PrincipalResolver[] = [];
  for (const [key, build] of RESOLVERS) {
    const value = options[key];
    if (value !== undefined)
      from.push(resolverAt(key, () => build(value === true ? {} : (value as Options))));
  }
  return from;
}

function withoutResolvers(options: Options): Options {
  const out: Options = {};
  for (const [key, value] of Object.entries(options))
    if (!RESOLVER_KEYS.includes(key) && value !== undefined) out[key] = value;
  return out;
}

export const authEntry: RegistryEntry = {
  name: 'auth',
  description:
    'who is calling (authInfo, JWT, API keys, environment) on every request, and which tools, prompts and resources they may use',
  ...fileOptions(AUTH_OPTIONS, {
    shapes: {
      tools: z.record(z.string(), requirement),
      prompts: z.record(z.string(), requirement),
      resources: z.record(z.string(), requirement),
    },
    // The resolvers a file can name; in code they go in `from`.
    fileOnly: {
      authInfo: {
        schema: AUTH_INFO,
        doc: [
          'trust the transport’s authInfo: true, or { resource } to check the token’s resource (default: not used)',
        ],
      },
      jwt: {
        schema: JWT,
        doc: ['verify bearer JWTs: issuer, audience, algorithms and jwksUri are required'],
      },
      apiKeys: {
        schema: API_KEYS,
        doc: [
          `API keys by sha256, each with an id, scopes and roles; header defaults to ${API_KEYS_OPTIONS.specs.header.default}`,
        ],
      },
      env: {
        schema: ENV,
        doc: [
          `one API key from an environment variable (stdio servers); variable defaults to ${ENV_CREDENTIAL_OPTIONS.specs.variable.default}`,
        ],
      },
    },
  }),
  create(options) {
    const from = resolversOf(options);
    return auth({
      ...(from.length === 0 ? {} : { from }),
      ...(withoutResolvers(options) as Parameters<typeof auth>[0]),
    });
  },
};
