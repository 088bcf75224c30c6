/** Bearer gates for Streamable HTTP servers: 401/403 with a spec-shaped challenge, `req.auth` for the SDK. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@mcp-middleware/core';
import { toolNamesOf } from './challenge.js';
import { bearerToken, headerValue, type HeaderBag } from './credentials.js';
import { comparableResource } from './from-auth-info.js';
import { readGateOptions, refusal, refusalOf, type Refusal } from './gate-settings.js';
import { credentialError } from './problems.js';
import { shortfallOf, type ToolRequirements } from './requirements.js';
import type { TokenVerifier } from './resolver.js';

/** Options of {@link bearerGate} and {@link fetchBearerGate}. */
export interface BearerGateOptions {
  /** Checks the token: `jwt({ … })`, `apiKeys({ keys, header: 'authorization' })` or your own. Required. */
  readonly verifier: TokenVerifier;
  /**
   * This server's canonical URI (RFC 8707). Required: a token must be issued for it (its `authInfo.resource`
   * must name it), so tokens meant for another service are refused. There is no way to turn this off.
   */
  readonly resource: string | URL;
  /** Where clients find the protected-resource metadata. @default the RFC 9728 well-known URL of `resource` */
  readonly resourceMetadataUrl?: string | URL | undefined;
  /** Scopes every request needs; advertised in every challenge. @default [] */
  readonly scopes?: readonly string[] | undefined;
  /**
   * Scopes per tool-name glob (the same map auth() takes), checked before dispatch when the JSON-RPC body is
   * already parsed (`req.body`, or the fetch gate's `parsedBody`): a `tools/call` that lacks any gets one
   * 403 naming every scope it needs. Roles are not in a token's `authInfo`; auth() checks those.
   * @default {}
   */
  readonly tools?: ToolRequirements | undefined;
}

/** A node:http / Express request the gate may annotate for `StreamableHTTPServerTransport`. */
export type GatedRequest = IncomingMessage & { auth?: AuthInfo; body?: unknown };

/** node:http / Express gate: resolves true (and calls `next`) when the request may proceed. */
export type NodeBearerGate = (
  req: GatedRequest,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => Promise<boolean>;

/** Fetch-style gate: the verified `AuthInfo` to hand the transport, or the refusal to send. */
export type FetchBearerGate = (request: Request, parsedBody?: unknown) => Promise<AuthInfo | Response>;

type Outcome = { readonly authInfo: AuthInfo } | Refusal;

function createGate(
  factory: string,
  options: BearerGateOptions,
): (headers: HeaderBag, body: unknown) => Promise<Outcome> {
  const settings = readGateOptions(factory, options);
  const { verifier, resource, issuedHere, baseScopes, hasTools, requirementOf, metadataUrl } = settings;
  return async function gate(headers, body) {
    let authInfo: AuthInfo;
    try {
      const token = bearerToken(headerValue(headers, 'authorization'));
      if (token === undefined) throw credentialError('missing_credentials');
      ({ authInfo } = await verifier.verify(token));
      const reported = authInfo.resource;
      const forUs = reported === undefined ? issuedHere : comparableResource(reported) === resource;
      if (!forUs) throw credentialError('wrong_audience');
    } catch (error) {
      return refusalOf(settings, error);
    }
    let required = baseScopes;
    if (hasTools) {
      const needed = new Set(baseScopes);
      for (const name of toolNamesOf(body))
        for (const scope of requirementOf(name)?.scopes ?? []) needed.add(scope);
      if (needed.size > baseScopes.length) required = [...needed];
    }
    if (
      required.length > 0 &&
      shortfallOf({ scopes: required, roleGroups: [] }, { scopes: authInfo.scopes, roles: [] }) !== undefined
    ) {
      const description = `this request needs the scopes ${required.join(', ')}`;
      return refusal(metadataUrl, 403, 'insufficient_scope', description, required);
    }
    return { authInfo };
  };
}

/**
 * A bearer gate for node:http and Express in front of `StreamableHTTPServerTransport`: verifies the
 * `Authorization: Bearer` token, checks it was issued for `resource`, sets `req.auth` (which the transport
 * hands tools as `extra.authInfo`) and calls `next`. Otherwise answers 401 or 403 with
 * `WWW-Authenticate: Bearer error=…, scope=…, resource_metadata=…` and never echoes the token.
 */
export function bearerGate(options: BearerGateOptions): NodeBearerGate {
  const gate = createGate('bearerGate', options);
  return async function bearerGate(req, res, next) {
    const outcome = await gate(req.headers, req.body);
    if ('authInfo' in outcome) {
      req.auth = outcome.authInfo;
      next?.();
      return true;
    }
    res.writeHead(outcome.status, outcome.headers).end(outcome.body);
    return false;
  };
}

/**
 * The fetch-style bearer gate (web-standard transport, Hono, workers): the verified `AuthInfo` to pass as
 * `handleRequest(request, { authInfo })`, or the 401/403 `Response` to return.
 */
export function fetchBearerGate(options: BearerGateOptions): FetchBearerGate {
  const gate = createGate('fetchBearerGate', options);
  return async function fetchBearerGate(request, parsedBody) {
    const headers: Record<string, string> = {};
    const authorization = request.headers.get('authorization');
    if (authorization !== null) headers['authorization'] = authorization;
    const outcome = await gate(headers, parsedBody);
    if ('authInfo' in outcome) return outcome.authInfo;
    return new Response(outcome.body, { status: outcome.status, headers: outcome.headers });
  };
}
