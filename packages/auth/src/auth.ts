/** auth(): resolve who is calling into `principalKey`, then check the tool's scopes and roles. */
import {
  ConfigError,
  describeValue,
  MiddlewareError,
  principalKey,
  readOptions,
  type CallToolResult,
  type Middleware,
  type Next,
  type Principal,
  type ToolContext,
  type ToolInfo,
} from '@mcp-middleware/core';
import { fromAuthInfo } from './from-auth-info.js';
import { callbackFailed, credentialError, middlewareErrorOf } from './problems.js';
import {
  compileRequirements,
  describeShortfall,
  shortfallOf,
  type Requirement,
  type ToolRequirements,
} from './requirements.js';
import { isPrincipalShaped, type PrincipalResolver } from './resolver.js';

/** Options of {@link auth}. */
export interface AuthOptions {
  /**
   * Where the principal comes from. A list is tried in order: the first resolver that finds a credential
   * decides (a bad credential is refused, never passed to the next one).
   * @default fromAuthInfo()
   */
  readonly from?: PrincipalResolver | readonly PrincipalResolver[] | undefined;
  /**
   * Scopes and roles per tool-name glob, e.g. `{ 'admin_*': { scopes: ['admin'] } }`. Every matching entry
   * applies; tools no entry matches only need an authenticated caller.
   * @default {}
   */
  readonly tools?: ToolRequirements | undefined;
}

const KNOWN = ['from', 'tools'] as const;

type Found = Principal | undefined | PromiseLike<Principal | undefined>;

// Reading `then` is guarded by the callers' try: a hostile value may throw on any property access.
function isThenable(value: Found): value is PromiseLike<Principal | undefined> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** `found` settled, or rejected with CANCELLED when the call is cancelled first (a resolver that never answers). */
function untilCancelled(
  ctx: ToolContext,
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

function cancelled(ctx: ToolContext): MiddlewareError {
  return new MiddlewareError(
    'CANCELLED',
    `call to tool \`${ctx.tool.name}\` was cancelled while its caller was being authenticated`,
    { cause: ctx.signal.reason },
  );
}

function firstOf(resolvers: readonly PrincipalResolver[]): PrincipalResolver {
  if (resolvers.length === 1) return resolvers[0] as PrincipalResolver;
  const step = (ctx: ToolContext, from: number): Found => {
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

function readResolvers(value: unknown): PrincipalResolver {
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

/**
 * Authenticates every call and authorizes it per tool. Sets `principalKey`; refuses with `UNAUTHENTICATED`
 * (no or bad credential) or `FORBIDDEN` (naming every missing scope and role at once), and emits a `reject`
 * event. Credentials never appear in errors or events. Fails closed: a resolver that throws anything but a
 * `MiddlewareError`, or returns something that is not a principal, refuses the call as `UNAUTHENTICATED`
 * (reason `check_failed`) with a `warning` event; a resolver that never answers ends with the call's signal.
 */
export function auth(options: AuthOptions = {}): Middleware {
  const reader = readOptions('auth', options, KNOWN);
  const resolve = readResolvers(reader.raw('from'));
  const requirementOf = compileRequirements('auth', reader.raw('tools'));
  const hasTools = reader.has('tools');
  // Tool records are stable per registration, so each tool's requirement is merged once.
  const requirements = new WeakMap<ToolInfo, Requirement | null>();

  const admit = (ctx: ToolContext, found: unknown): void => {
    if (found === undefined) throw credentialError('missing_credentials');
    if (!isPrincipalShaped(found)) {
      callbackFailed('a principal resolver', new TypeError('it returned no principal'), ctx);
      throw credentialError('check_failed');
    }
    const principal: Principal = found;
    let requirement: Requirement | null | undefined = null;
    if (hasTools) {
      requirement = requirements.get(ctx.tool);
      if (requirement === undefined) {
        requirement = requirementOf(ctx.tool.name) ?? null;
        requirements.set(ctx.tool, requirement);
      }
    }
    if (requirement !== null) {
      const shortfall = shortfallOf(requirement, principal);
      if (shortfall !== undefined) {
        throw new MiddlewareError('FORBIDDEN', describeShortfall(ctx.tool.name, shortfall), {
          data: {
            reason: 'insufficient_scope',
            requiredScopes: requirement.scopes,
            missingScopes: shortfall.missingScopes,
            ...(shortfall.missingRoleGroups.length > 0 && { missingRoles: shortfall.missingRoleGroups }),
          },
          cause: new Error(`principal lacks permissions for tool ${ctx.tool.name}`),
        });
      }
    }
    ctx.set(principalKey, principal);
  };

  // A MiddlewareError from a resolver is its answer; anything else thrown is a broken resolver: refused
  // as UNAUTHENTICATED (reason check_failed, fail closed) with a warning event.
  const refuse = (ctx: ToolContext, error: unknown): Promise<CallToolResult> => {
    let refusal = middlewareErrorOf(error);
    if (refusal === undefined) {
      callbackFailed('a principal resolver', error, ctx);
      refusal = credentialError('check_failed');
    }
    ctx.emit({ type: 'reject', code: refusal.code, source: 'auth' });
    return Promise.reject(refusal);
  };

  return function auth(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    let found: Found;
    let thenable: boolean;
    try {
      found = resolve(ctx);
      thenable = isThenable(found);
      if (!thenable) admit(ctx, found);
    } catch (error) {
      return refuse(ctx, error);
    }
    if (!thenable) return next(ctx);
    return untilCancelled(ctx, found as PromiseLike<Principal | undefined>).then(
      (principal) => {
        try {
          admit(ctx, principal);
        } catch (error) {
          return refuse(ctx, error);
        }
        return next(ctx);
      },
      (error: unknown) => refuse(ctx, error),
    );
  };
}
