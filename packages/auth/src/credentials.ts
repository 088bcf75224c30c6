/** Where credentials travel: the `Authorization: Bearer` header, another header, or `authInfo.token`. */
import type { RequestContext } from '@mcp-middleware/core';
import { credentialError } from './problems.js';

/** Request headers as the SDK hands them (`IsomorphicHeaders`) or as node:http has them. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

const BEARER = [98, 101, 97, 114, 101, 114]; // "bearer"
const SPACE = 32;

function startsWithBearer(value: string): boolean {
  if (value.length < 6) return false;
  for (let i = 0; i < 6; i++) if ((value.charCodeAt(i) | 0x20) !== BEARER[i]) return false;
  return true;
}

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
  // Parsed by hand: on the cached-token path a regular expression costs more than everything else.
  if (authorization === undefined || !startsWithBearer(authorization)) return undefined;
  const n = authorization.length;
  let start = 6;
  while (start < n && authorization.charCodeAt(start) === SPACE) start++;
  if (start === 6 && n > 6) return undefined; // another scheme that merely starts with "bearer"
  let end = n;
  while (end > start && authorization.charCodeAt(end - 1) === SPACE) end--;
  const token = end === n ? authorization.slice(start) : authorization.slice(start, end);
  if (token === '' || token.includes(' ') || token.includes('\t')) throw credentialError('malformed');
  return token;
}

/** The bearer token of a call: `authInfo.token` set by an HTTP layer, else the request's Authorization header. */
export function bearerTokenOf(ctx: RequestContext): string | undefined {
  const fromAuthInfo = ctx.authInfo?.token;
  if (typeof fromAuthInfo === 'string' && fromAuthInfo !== '') return fromAuthInfo;
  return bearerToken(headerValue(ctx.requestInfo?.headers, 'authorization'));
}
