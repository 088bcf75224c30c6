/** The bearer gates' options read once, and the refusals a gate answers with (401, 403, 503, 500). */
import { ConfigError, readOptions } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { bearerChallenge } from './challenge.js';
import { comparableResource, toUrl } from './from-auth-info.js';
import type { BearerGateOptions } from './http.js';
import { resourceMetadataUrl } from './metadata.js';
import { describeProblem, middlewareErrorOf, problemOf } from './problems.js';
import { compileRequirements, type Requirement } from './requirements.js';
import { readVerifier, type TokenVerifier } from './resolver.js';

/** An HTTP answer that refuses the request. */
export interface Refusal {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A gate's options, checked, with defaults applied. */
export interface GateSettings {
  readonly verifier: TokenVerifier;
  /** `resource` as tokens name it (see `comparableResource`). */
  readonly resource: string;
  readonly metadataUrl: string;
  readonly baseScopes: readonly string[];
  readonly requirementOf: (toolName: string) => Requirement | undefined;
  readonly hasTools: boolean;
  /** The verifier issues tokens for this server only, so a token without `resource` is for us. */
  readonly issuedHere: boolean;
}

const KNOWN = ['verifier', 'resource', 'resourceMetadataUrl', 'scopes', 'tools'] as const;

/** Reads and checks a gate's options once; a ConfigError names the bad one. */
export function readGateOptions(factory: string, options: BearerGateOptions): GateSettings {
  const reader = readOptions(factory, options, KNOWN);
  const verifier = readVerifier(reader, 'verifier');
  if (!reader.has('resource')) {
    reader.fail('resource', "this server's canonical URI (the audience tokens must be issued for)");
  }
  const resourceUrl = toUrl(reader.raw('resource')) ?? reader.fail('resource', 'an absolute URL');
  const resource = comparableResource(resourceUrl);
  const audiences = verifier.audiences;
  if (
    audiences !== undefined &&
    !audiences.some((a) => URL.canParse(a) && comparableResource(a) === resource)
  ) {
    throw new ConfigError(
      'resource',
      `${factory}: resource ${resourceUrl.href} is not among the verifier's audiences (${audiences.join(', ')}); ` +
        'every token would be refused',
    );
  }
  const metadataUrl = reader.has('resourceMetadataUrl')
    ? (toUrl(reader.raw('resourceMetadataUrl')) ?? reader.fail('resourceMetadataUrl', 'an absolute URL')).href
    : resourceMetadataUrl(resourceUrl);
  const scopes = reader.raw('scopes') ?? [];
  if (
    !Array.isArray(scopes) ||
    !scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))
  ) {
    throw new ConfigError(
      'scopes',
      `${factory}: scopes must be a list of scope names, got ${describeValue(scopes)}`,
    );
  }
  const requirementOf = compileRequirements(factory, reader.raw('tools'));
  return {
    verifier,
    resource,
    metadataUrl,
    baseScopes: scopes as readonly string[],
    requirementOf,
    hasTools: reader.has('tools'),
    issuedHere: verifier.issuedHere === true,
  };
}

/** A 401 or 403 with the spec's `WWW-Authenticate: Bearer` challenge; never echoes the token. */
export function refusal(
  metadataUrl: string,
  status: 401 | 403,
  error: string | undefined,
  description: string,
  needed: readonly string[],
): Refusal {
  return {
    status,
    headers: {
      // RFC 6750 §3.1: a request without credentials gets no error code (nor its description).
      'www-authenticate': bearerChallenge({
        error,
        description: error === undefined ? undefined : description,
        scopes: needed,
        resourceMetadata: metadataUrl,
      }),
      'content-type': 'application/json',
    },
    body: JSON.stringify(
      error === undefined
        ? { error: 'unauthorized', error_description: description }
        : { error, error_description: description },
    ),
  };
}

/** What a verifier's throw answers: 401 for a bad token, 503 when it cannot check now, else 500. */
export function refusalOf(settings: GateSettings, thrown: unknown): Refusal {
  // A verifier may throw anything (a revoked Proxy throws on every look): unknown throws answer 500.
  const error = middlewareErrorOf(thrown);
  if (error?.code === 'UNAUTHENTICATED') {
    const problem = problemOf(error) ?? 'malformed';
    return refusal(
      settings.metadataUrl,
      401,
      problem === 'missing_credentials' ? undefined : 'invalid_token',
      describeProblem(problem),
      settings.baseScopes,
    );
  }
  if (error?.code === 'UPSTREAM_ERROR') {
    return {
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '5' },
      body: JSON.stringify({
        error: 'temporarily_unavailable',
        error_description: 'the token cannot be checked right now',
      }),
    };
  }
  return {
    status: 500,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: 'server_error', error_description: 'the token could not be checked' }),
  };
}
