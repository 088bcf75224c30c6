/** Why a credential was refused: stable reason codes, model-readable texts, and the errors that carry them. */
import {
  isMiddlewareError,
  MiddlewareError,
  type MiddlewareErrorLike,
  type RequestContext,
} from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';

/** Why a call was refused as `UNAUTHENTICATED`; sent to the client as `data.reason`. */
export type CredentialProblem =
  | 'missing_credentials'
  | 'malformed'
  | 'too_large'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_signature'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'invalid_claim'
  | 'unknown_api_key'
  | 'check_failed';

const TEXT: Readonly<Record<CredentialProblem, string>> = {
  missing_credentials: 'no credentials were presented',
  malformed: 'the credential is malformed',
  too_large: 'the credential is larger than this server accepts',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet',
  invalid_signature: 'the token signature does not verify',
  algorithm_not_allowed: 'the token is signed with an algorithm this server does not accept',
  unknown_key: 'the token is signed with a key this server does not know',
  wrong_issuer: 'the token comes from an issuer this server does not trust',
  wrong_audience: 'the token was not issued for this server',
  missing_claim: 'the token lacks a required claim',
  invalid_claim: 'the token has an invalid claim',
  unknown_api_key: 'the API key is not recognised',
  check_failed: 'the credential could not be checked',
};

/** The sentence that explains `problem` (never contains the credential). */
export function describeProblem(problem: CredentialProblem): string {
  return TEXT[problem];
}

/**
 * An `UNAUTHENTICATED` error for `problem`. `cause` must already be free of credentials and claims: callers
 * pass a fresh Error carrying only a library's code and message.
 */
export function credentialError(problem: CredentialProblem, cause?: Error): MiddlewareError {
  const hint =
    problem === 'missing_credentials'
      ? 'send a bearer token or API key with the request'
      : 'obtain a new credential and retry';
  return new MiddlewareError('UNAUTHENTICATED', `authentication failed: ${TEXT[problem]}; ${hint}`, {
    data: { reason: problem },
    cause: cause ?? new Error(`credential refused: ${problem}`),
  });
}

/** The problem an `UNAUTHENTICATED` error carries, if it came from this package. */
export function problemOf(error: {
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}): CredentialProblem | undefined {
  const reason = error.data?.['reason'];
  return typeof reason === 'string' && reason in TEXT ? (reason as CredentialProblem) : undefined;
}

/** An `UPSTREAM_ERROR` for a key set that could not be fetched: the caller is not at fault and may retry. */
export function keysUnavailableError(cause: Error): MiddlewareError {
  return new MiddlewareError(
    'UPSTREAM_ERROR',
    'authentication is temporarily unavailable: the signing keys could not be fetched; retry shortly',
    { data: { reason: 'keys_unavailable' }, retryable: true, cause },
  );
}

/**
 * Reports a user callback of auth (a resolver, a principal mapping, a verifier) that threw or answered
 * something unusable: one `warning` event on the call (a process warning outside one). Auth then fails
 * closed. Reading the thrown value is guarded (a revoked Proxy throws on any access); its message is not
 * repeated, since it may hold the credential.
 */
export function callbackFailed(what: string, error: unknown, ctx?: Pick<RequestContext, 'emit'>): void {
  let text: string;
  try {
    text = error instanceof Error ? `an ${error.name}` : describeValue(error);
  } catch {
    text = 'a value that cannot be inspected';
  }
  const message = `${what} failed (${text}); the call was refused`;
  try {
    if (ctx !== undefined) ctx.emit({ type: 'warning', source: 'auth', message, cause: error });
    else process.emitWarning(`auth: ${message}`, 'McpMiddlewareWarning');
  } catch {
    // an observer that throws is reported by the channel itself
  }
}

/** `error` when it is a `MiddlewareError`, else undefined; never throws (a revoked Proxy makes the check throw). */
export function middlewareErrorOf(error: unknown): MiddlewareErrorLike | undefined {
  try {
    return isMiddlewareError(error) ? error : undefined;
  } catch {
    return undefined;
  }
}
