/** jose's failures as this package's refusals: a reason code, and a cause without the token or its claims. */
import type { MiddlewareError } from '@mcp-middleware/core';
import { credentialError, keysUnavailableError, type CredentialProblem } from './problems.js';

// A credential-free copy of a library error: its code and message, never the payload it may carry.
function sanitized(error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : 'verification failed';
  return new Error(`${typeof code === 'string' ? code : 'error'}: ${message}`);
}

function claimProblem(error: { claim?: unknown; reason?: unknown }): CredentialProblem {
  if (error.reason === 'missing') return 'missing_claim';
  switch (error.claim) {
    case 'nbf':
    case 'iat':
      return 'not_yet_valid';
    case 'iss':
      return 'wrong_issuer';
    case 'aud':
      return 'wrong_audience';
    default:
      return 'invalid_claim';
  }
}

function isFetchFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    (error instanceof TypeError && error.message === 'fetch failed') ||
    error.name === 'AbortError' ||
    error.name === 'TimeoutError'
  );
}

/** The refusal for a jose error; `remote` when keys come from a JWKS endpoint (its failures are ours, not the caller's). */
export function fromJoseError(error: unknown, remote: boolean): MiddlewareError {
  const cause = sanitized(error);
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return credentialError('expired', cause);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return credentialError(claimProblem(error as { claim?: unknown; reason?: unknown }), cause);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return credentialError('algorithm_not_allowed', cause);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return credentialError('invalid_signature', cause);
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return credentialError('unknown_key', cause);
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JWK_INVALID':
      return remote ? keysUnavailableError(cause) : credentialError('unknown_key', cause);
    case 'ERR_JOSE_GENERIC':
      // jose raises the generic error only for a JWKS response that is not 200 or not JSON.
      return remote ? keysUnavailableError(cause) : credentialError('malformed', cause);
    default:
      return remote && isFetchFailure(error)
        ? keysUnavailableError(cause)
        : credentialError('malformed', cause);
  }
}
