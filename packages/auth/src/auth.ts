/** auth(): resolve who is calling into `principalKey`, then check the tool's scopes and roles. */
import {
  ConfigError,
  describeValue,
  isMiddlewareError,
  MiddlewareError,
  principalKey,
  readOptions,
  type CallToolResult,
  type Middleware,
  type MiddlewareErrorLike,
  type Next,
  type Principal,
  type ToolContext,
  type ToolInfo,
} from '@mcp-middleware/core';
import { fromAuthInfo } from './from-auth-info.js';
import { credentialError } from './problems.js';
import {
  compileRequirements,
  describeShortfall,
  shortfallOf,
  type Requirement,
  type ToolRequirements,
} from './requirements.js';
import type { PrincipalResolver } from './resolver.js';

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

function isThenable(value: Found): value is PromiseLike<Principal | undefined> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
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
 * event. Credentials never appear in errors or events.
 */
export function auth(options: AuthOptions = {}): Middleware {
  const reader = readOptions('auth', options, KNOWN);
  const resolve = readResolvers(reader.raw('from'));
  const requirementOf = compileRequirements('auth', reader.raw('tools'));
  const hasTools = reader.has('tools');
  // Tool records are stable per registration, so each tool's requirement is merged once.
  const requirements = new WeakMap<ToolInfo, Requirement | null>();

  const admit = (ctx: ToolContext, principal: Principal | undefined): void => {
    if (principal === undefined) throw credentialError('missing_credentials');
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

  const refuse = (ctx: ToolContext, error: unknown): Promise<CallToolResult> => {
    const refusal: MiddlewareErrorLike = isMiddlewareError(error)
      ? error
      : new MiddlewareError('INTERNAL', 'auth: the principal resolver failed', { cause: error });
    ctx.emit({ type: 'reject', code: refusal.code, source: 'auth' });
    return Promise.reject(refusal);
  };

  return function auth(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    let found: Found;
    try {
      found = resolve(ctx);
      if (!isThenable(found)) admit(ctx, found);
    } catch (error) {
      return refuse(ctx, error);
    }
    if (!isThenable(found)) return next(ctx);
    return Promise.resolve(found).then(
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
