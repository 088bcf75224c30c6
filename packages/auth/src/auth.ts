/** auth(): resolve who is calling into `principalKey` on every request, and guard tools, prompts and resources. */
import {
  defineMiddleware,
  principalKey,
  type CallToolResult,
  type Middleware,
  type Next,
  type Principal,
  type RequestContext,
  type RequestHooks,
  type Result,
  type ToolContext,
} from '@mcp-middleware/core';
import { isModernRequest } from '@mcp-middleware/core/helpers';
import { compileAccess, ListFilter, type Access, type Kind } from './access.js';
import {
  isThenable,
  principalOf,
  readResolvers,
  refusalOf,
  untilCancelled,
  type Found,
} from './authenticate.js';
import { hiddenCompletion } from './completion.js';
import { AUTH_OPTIONS } from './declaration.js';
import type { PromptRequirements, ResourceRequirements, ToolRequirements } from './requirements.js';
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
  /** Scopes and roles per prompt-name glob, checked on `prompts/get`, completion and `prompts/list`. @default {} */
  readonly prompts?: PromptRequirements | undefined;
  /**
   * Scopes and roles per resource-URI glob, checked on `resources/read`, subscriptions, completion and both
   * resource lists (a template by its `uriTemplate`). @default {}
   */
  readonly resources?: ResourceRequirements | undefined;
  /**
   * How a call, get or read of something the caller may not use is answered. `'hide'`: exactly as an unknown
   * name (observers still see FORBIDDEN), so nothing tells a caller it exists. `'refuse'`: a visible FORBIDDEN
   * naming the missing scopes (`data.reason: 'insufficient_scope'`), for clients that step up their token; it
   * tells any authenticated caller the target exists. Lists are filtered either way.
   * @default 'hide'
   */
  readonly forbidden?: 'hide' | 'refuse' | undefined;
}

/** What a step does once the caller is known: check it may go on (throw the refusal), then go on. */
type Check = ((ctx: RequestContext, principal: Principal) => void) | undefined;

/** Guards `ctx`'s request: authenticates, runs `check`, sets `principalKey`, then runs `proceed`. */
function guard<R>(
  resolve: PrincipalResolver,
  ctx: RequestContext,
  check: Check,
  proceed: (principal: Principal) => Promise<R>,
): Promise<R> {
  const admit = (found: unknown): Principal => {
    const principal = principalOf(ctx, found);
    check?.(ctx, principal);
    ctx.set(principalKey, principal);
    return principal;
  };
  let found: Found;
  let principal: Principal;
  try {
    found = resolve(ctx);
    if (isThenable(found)) {
      return untilCancelled(ctx, found).then(
        (resolved) => {
          try {
            principal = admit(resolved);
          } catch (error) {
            return Promise.reject(refusalOf(ctx, error));
          }
          return proceed(principal);
        },
        (error: unknown) => Promise.reject(refusalOf(ctx, error)),
      );
    }
    principal = admit(found);
  } catch (error) {
    return Promise.reject(refusalOf(ctx, error));
  }
  return proceed(principal);
}

/** A check of the request's target against the requirements of `kind`. */
function targetCheck(access: Access, kind: Kind): Check {
  if (!access.has[kind]) return undefined;
  return (ctx, principal) => {
    const denial = ctx.target === undefined ? undefined : access.denial(kind, ctx.target, principal);
    if (denial !== undefined) throw denial;
  };
}

function listStep(
  resolve: PrincipalResolver,
  access: Access,
  kind: Kind,
  field: string,
  key: 'name' | 'uri' | 'uriTemplate',
) {
  const list = new ListFilter(access, kind, field, key);
  return <R extends Result>(ctx: RequestContext, next: (ctx?: RequestContext) => Promise<R>): Promise<R> =>
    guard(resolve, ctx, undefined, (principal) =>
      next().then((result) => privateOn2026(ctx, list.filter(result, principal))),
    );
}

// A list filtered by caller may not be shared by caches between callers: on 2026-07-28, where results
// carry cache hints, it is marked `cacheScope: "private"` whatever the server hinted.
function privateOn2026<R extends Result>(ctx: RequestContext, result: R): R {
  if (!isModernRequest(ctx) || (result as { cacheScope?: unknown }).cacheScope === 'private') return result;
  return { ...result, cacheScope: 'private' };
}

/** The steps for requests other than tools/call: every one authenticated, lists filtered, targets checked. */
function requestSteps(resolve: PrincipalResolver, access: Access, hide: boolean): RequestHooks {
  const any = (ctx: RequestContext, next: (ctx?: RequestContext) => Promise<Result>): Promise<Result> =>
    guard(resolve, ctx, undefined, () => next());
  const targeted = (kind: Kind) => {
    const check = targetCheck(access, kind);
    return <R extends Result>(ctx: RequestContext, next: (ctx?: RequestContext) => Promise<R>): Promise<R> =>
      guard(resolve, ctx, check, () => next());
  };
  const steps: Record<string, unknown> = { '*': any };
  if (access.has.tool) steps['tools/list'] = listStep(resolve, access, 'tool', 'tools', 'name');
  if (access.has.prompt) {
    steps['prompts/list'] = listStep(resolve, access, 'prompt', 'prompts', 'name');
    steps['prompts/get'] = targeted('prompt');
  }
  if (access.has.resource) {
    steps['resources/list'] = listStep(resolve, access, 'resource', 'resources', 'uri');
    steps['resources/templates/list'] = listStep(
      resolve,
      access,
      'resource',
      'resourceTemplates',
      'uriTemplate',
    );
    steps['resources/read'] = targeted('resource');
    steps['resources/subscribe'] = targeted('resource');
    steps['resources/unsubscribe'] = targeted('resource');
  }
  if (access.has.prompt || access.has.resource) {
    steps['completion/complete'] = (
      ctx: RequestContext,
      next: (ctx?: RequestContext) => Promise<Result>,
    ): Promise<Result> =>
      guard(resolve, ctx, undefined, (principal) => {
        const hidden = hiddenCompletion(ctx, access, principal, hide);
        return hidden === undefined ? next() : Promise.reject(hidden);
      });
  }
  return steps;
}

/**
 * Authenticates every request the server answers (tool calls, lists, reads, gets, completion and any other
 * method) and authorizes tools, prompts and resources by their requirement maps. Sets `principalKey`. A
 * missing or bad credential is refused everywhere with `UNAUTHENTICATED` (an `isError` result for a tool
 * call, a JSON-RPC error otherwise). Lists leave out what the caller may not use, and using it anyway is
 * answered as for an unknown name (or, with `forbidden: 'refuse'`, `FORBIDDEN` naming every missing scope and
 * role). Every refusal emits a `reject` event. Credentials never appear in errors or events. Fails closed: a
 * resolver that throws anything but a `MiddlewareError`, or returns something that is not a principal,
 * refuses as `UNAUTHENTICATED` (reason `check_failed`) with a `warning` event; a resolver that never answers
 * ends with the request's signal.
 */
export function auth(options: AuthOptions = {}): Middleware {
  const { values } = AUTH_OPTIONS.read(options);
  const resolve = readResolvers(values.from);
  const hide = values.forbidden === 'hide';
  const access = compileAccess(
    'auth',
    { tool: values.tools, prompt: values.prompts, resource: values.resources },
    hide,
  );
  const toolCheck: Check = access.has.tool
    ? (ctx, principal) => {
        const name = (ctx as ToolContext).tool.name;
        const denial = access.denial('tool', name, principal);
        if (denial !== undefined) throw denial;
      }
    : undefined;

  return defineMiddleware('auth', {
    tools: function auth(ctx: ToolContext, next: Next): Promise<CallToolResult> {
      return guard(resolve, ctx, toolCheck, () => next(ctx));
    },
    requests: requestSteps(resolve, access, hide),
  });
}
