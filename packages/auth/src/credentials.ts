/** Where credentials travel: the `Authorization: Bearer` header, another header, or `authInfo.token`. */
import type { ToolContext } from '@mcp-middleware/core';
import { credentialError } from './problems.js';

/** Request headers as the SDK hands them (`IsomorphicHeaders`) or as node:http has them. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

const BEARER = /^Bearer +(\S+) *$/i;

/** One header's value; a repeated header is ambiguous and refused as malformed. */
export function headerValue(headers: HeaderBag | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || typeof value === 'string') return value;
  if (value.length === 1) return value[0];
  throw credentialError('malformed');
}

/**
 * The token of an `Authorization: Bearer <token>` header. Undefined when there is no such header or it uses
 * another scheme (so another resolver may claim it); `malformed` when it says Bearer but carries no token.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = BEARER.exec(authorization);
  if (match !== null) return match[1];
  if (/^Bearer\b/i.test(authorization)) throw credentialError('malformed');
  return undefined;
}

/** The bearer token of a call: `authInfo.token` set by an HTTP layer, else the request's Authorization header. */
export function bearerTokenOf(ctx: ToolContext): string | undefined {
  const fromAuthInfo = ctx.authInfo?.token;
  if (typeof fromAuthInfo === 'string' && fromAuthInfo !== '') return fromAuthInfo;
  return bearerToken(headerValue(ctx.requestInfo?.headers, 'authorization'));
}
