/** Finding the caller of any request: resolvers tried in order, fail closed, ended by the request's signal. */
import {
  ConfigError,
  type MiddlewareErrorLike,
  type Principal,
  type RequestContext,
} from '@mcp-middleware/core';
import { cancelledError, describeValue } from '@mcp-middleware/core/helpers';
import { fromAuthInfo } from './from-auth-info.js';
import { callbackFailed, credentialError, middlewareErrorOf } from './problems.js';
import { isPrincipalShaped, type PrincipalResolver } from './resolver.js';

/** What a resolver answers. */
export type Found = Principal | undefined | PromiseLike<Principal | undefined>;

// Reading `then` is guarded by the callers' try: a hostile value may throw on any property access.
export function isThenable(value: Found): value is PromiseLike<Principal | undefined> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

function cancelled(ctx: RequestContext): MiddlewareErrorLike {
  return cancelledError(ctx, ctx.signal.reason, 'while its caller was being authenticated');
}

/** `found` settled, or rejected with CANCELLED when the request is cancelled first (a resolver that never answers). */
export function untilCancelled(
  ctx: RequestContext,
  found: PromiseLike<Principal | undefined>,
): Promise<Principal | undefined> {
  const signal = ctx.signal;
  if (signal.aborted) return Promise.reject(cancelled(ctx));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(cancelled(ctx));
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(found).then(
      (principal) => {
        signal.removeEventListener('abort', onAbort);
        resolve(principal);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function firstOf(resolvers: readonly PrincipalResolver[]): PrincipalResolver {
  if (resolvers.length === 1) return resolvers[0] as PrincipalResolver;
  const step = (ctx: RequestContext, from: number): Found => {
    for (let i = from; i < resolvers.length; i++) {
      const found = (resolvers[i] as PrincipalResolver)(ctx);
      if (isThenable(found)) {
        return Promise.resolve(found).then((principal) => principal ?? step(ctx, i + 1));
      }
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return (ctx) => step(ctx, 0);
}

/** Reads auth's `from` option into one resolver (a list becomes "the first that finds a credential"). */
export function readResolvers(value: unknown): PrincipalResolver {
  if (value === undefined) return fromAuthInfo();
  const list: readonly unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((r) => typeof r === 'function')) {
    throw new ConfigError(
      'from',
      `auth: from must be a resolver (fromAuthInfo(), jwt(…), apiKeys(…), envCredential(…) or a function) ` +
        `or a non-empty list of them, got ${describeValue(value)}`,
    );
  }
  return firstOf(list as readonly PrincipalResolver[]);
}

/** The principal a resolver found, or throws the refusal: none found, or something that is not a principal. */
export function principalOf(ctx: RequestContext, found: unknown): Principal {
  if (found === undefined) throw credentialError('missing_credentials');
  if (!isPrincipalShaped(found)) {
    callbackFailed('a principal resolver', new TypeError('it returned no principal'), ctx);
    throw credentialError('check_failed');
  }
  return found;
}

/**
 * The refusal for what authenticating threw, published as a `reject` event. A `MiddlewareError` is its own
 * answer; anything else is a broken resolver: `UNAUTHENTICATED` (reason `check_failed`, fail closed) with a
 * `warning` event.
 */
export function refusalOf(ctx: RequestContext, error: unknown): MiddlewareErrorLike {
  let refusal = middlewareErrorOf(error);
  if (refusal === undefined) {
    callbackFailed('a principal resolver', error, ctx);
    refusal = credentialError('check_failed');
  }
  ctx.emit({ type: 'reject', code: refusal.code, source: 'auth' });
  return refusal;
}
