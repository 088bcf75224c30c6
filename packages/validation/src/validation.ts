/** validation(): payload guards on every request, tool arguments before the SDK parses them, business rules, output checks. */
import type {
  CallToolResult,
  Middleware,
  Next,
  RequestContext,
  RequestHooks,
  Result,
  ToolContext,
} from '@mcp-middleware/core';
import { checkInput, isRecord, raise } from './input-check.js';
import { resolveOptions, type ValidationOptions } from './options.js';
import { checkPayload } from './payload.js';
import { Planner, type Plan } from './plan.js';
import { payloadError } from './refusals.js';
import { ResultCheck } from './result-check.js';
import { isPromiseLike, type Check } from './schemas.js';

export type {
  RuleProblem,
  RuleVerdict,
  ToolValidation,
  ValidationOptions,
  ValidationRule,
} from './options.js';

const NONE: readonly Check[] = [];

/**
 * Guards every request. Tool calls: payload limits first (size, depth, string and array lengths, forbidden
 * keys such as `__proto__`), then the input schema (the ones in `tools`, else the tool's own: JSON Schema,
 * and an `McpServer` tool's zod schema before the SDK parses the arguments), then the rules, then the result
 * (size, `structuredContent` against the output schema); refusals are tool execution errors
 * (`INVALID_ARGUMENTS` listing every failing path, `PAYLOAD_TOO_LARGE`, `OUTPUT_INVALID`). Every other
 * request: the payload limits on its params, refused as a JSON-RPC error -32602.
 */
export function validation(options: ValidationOptions = {}): Middleware {
  const settings = resolveOptions(options);
  const { limits } = settings;
  const results = new ResultCheck(settings.maxResultBytes, settings.oversizedResult);
  const planner = new Planner(settings);

  function call(ctx: ToolContext, next: Next, plan: Plan): Promise<CallToolResult> {
    const pending = next(ctx);
    return plan.checksOutput ? pending.then((result) => results.check(ctx, plan, result)) : pending;
  }

  function checkCall(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    // On withMiddleware's request seam the context carries the raw params, and the SDK parses the
    // arguments after the pipeline; elsewhere (wrapTool, runner.run) the arguments are final.
    const params = ctx.params;
    const beforeSdk = params !== undefined;
    let args: unknown = ctx.args;
    // Arguments that are not an object never become ctx.args; the guards still look at them.
    if (args === undefined && beforeSdk) args = params.arguments;
    if (args !== undefined) {
      const violation = checkPayload(args, limits);
      if (violation !== undefined) raise(ctx, payloadError({ kind: 'tool', name: ctx.tool.name }, violation));
    }
    const plan = planner.of(ctx.tool, ctx);
    if (plan.broken !== undefined) raise(ctx, plan.broken);
    // Arguments that are not an object make a malformed request: the SDK answers it as the bare server would.
    if (beforeSdk && args !== undefined && !isRecord(args)) return call(ctx, next, plan);
    const checks = beforeSdk || !plan.ownBeforeSdkOnly ? plan.inputs : NONE;
    if (checks.length === 0 && plan.rules.length === 0) return call(ctx, next, plan);
    // The SDK parses again with the tool's own schema: pass the client's arguments on, not our parse.
    const passParsed = !(beforeSdk && plan.ownInput);
    const checked = checkInput(ctx, plan, checks, passParsed, 0, args);
    return isPromiseLike(checked)
      ? Promise.resolve(checked).then((c) => call(c, next, plan))
      : call(checked, next, plan);
  }

  // Every request other than tools/call: the same payload limits on its params (a JSON-RPC -32602).
  const requests: RequestHooks = {
    '*': function validateParams(ctx: RequestContext, next): Promise<Result> {
      const params = ctx.params;
      if (params !== undefined) {
        const violation = checkPayload(params, limits);
        if (violation !== undefined) {
          const error = payloadError({ kind: 'request', method: ctx.operation }, violation);
          ctx.emit({ type: 'reject', code: error.code, source: 'validation' });
          return Promise.reject(error);
        }
      }
      return next(ctx);
    },
  };

  const middleware: Middleware = function validation(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    try {
      return checkCall(ctx, next);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  middleware.requests = requests;
  return middleware;
}
