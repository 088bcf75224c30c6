/** The default mapping from verified JWT claims to a principal (RFC 9068 and common IdP claim names). */
import type { Principal } from '@mcp-middleware/core';
import type { JWTPayload } from 'jose';

function scopesOf(payload: JWTPayload): readonly string[] {
  const scope = payload['scope'] ?? payload['scp'];
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

/** The default mapping from verified claims to a principal. */
export function principalFromClaims(payload: JWTPayload): Principal {
  const clientId = payload['client_id'] ?? payload['azp'];
  const roles = payload['roles'];
  return {
    id: payload.sub as string,
    source: 'jwt',
    ...(typeof clientId === 'string' && { clientId }),
    scopes: scopesOf(payload),
    roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
    claims: payload,
  };
}
