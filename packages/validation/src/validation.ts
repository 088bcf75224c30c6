/** validation(): payload guards on every request, tool arguments before the SDK parses them, business rules, output checks. */
import {
  MiddlewareError,
  describeValue,
  isToolResult,
  type CallToolResult,
  type Middleware,
  type Next,
  type RequestContext,
  type RequestHooks,
  type Result,
  type ToolArgs,
  type ToolContext,
} from '@mcp-middleware/core';
import { ROOT_PATH, formatPath, invalidArguments, outputInvalid, type ValidationIssue } from './issues.js';
import { resolveOptions, type ValidationOptions, type ValidationRule } from './options.js';
import { truncateResult } from './output.js';
import { byteCap, checkPayload, estimateJsonBytes, type PathSegment } from './payload.js';
import { buildPlanner, type Plan } from './plan.js';
import { payloadError } from './refusals.js';
import { isPromiseLike, type Check, type Verdict } from './schemas.js';

export type {
  RuleProblem,
  RuleVerdict,
  ToolValidation,
  ValidationOptions,
  ValidationRule,
} from './options.js';

const NONE: readonly Check[] = [];
const EMPTY_ARGS: Readonly<Record<string, unknown>> = Object.freeze({});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemsOf(verdict: unknown, tool: string): ValidationIssue[] {
  if (verdict === undefined) return [];
  if (typeof verdict === 'string') return [{ path: ROOT_PATH, message: verdict }];
  const list: readonly unknown[] = Array.isArray(verdict) ? verdict : [verdict];
  return list.map((problem) => {
    const { path, message } = (problem ?? {}) as { path?: unknown; message?: unknown };
    if (typeof message !== 'string') {
      throw new MiddlewareError(
        'INTERNAL',
        `a validation rule for tool \`${tool}\` returned ${describeValue(verdict)}; a rule returns nothing ` +
          'when the arguments are fine, else a message or { path, message } problems',
      );
    }
    const where =
      typeof path === 'string' && path !== ''
        ? path
        : Array.isArray(path)
          ? formatPath(path as PathSegment[])
          : ROOT_PATH;
    return { path: where, message };
  });
}

function raise(ctx: RequestContext, error: MiddlewareError): never {
  ctx.emit({ type: 'reject', code: error.code, source: 'validation' });
  throw error;
}

function accept(ctx: ToolContext, verdict: Verdict, value: unknown): unknown {
  if (verdict === undefined) return value;
  if (Array.isArray(verdict)) raise(ctx, invalidArguments(ctx.tool.name, verdict as ValidationIssue[]));
  return (verdict as { readonly value: unknown }).value;
}

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
  const { limits, maxResultBytes, oversizedResult } = settings;
  const resultCap = maxResultBytes === undefined ? undefined : byteCap(maxResultBytes);
  const planFor = buildPlanner(settings);

  // Runs `checks` from `from` on, then the rules; answers the context to call next with. `value` is the
  // parsed value so far; it is passed on only when `passParsed` (see the README, "What goes on").
  function checkInput(
    ctx: ToolContext,
    plan: Plan,
    checks: readonly Check[],
    passParsed: boolean,
    from: number,
    value: unknown,
  ): ToolContext | Promise<ToolContext> {
    for (let i = from; i < checks.length; i++) {
      // A call without arguments is checked as `{}`, as the SDK does.
      const verdict = (checks[i] as Check)(value === undefined ? EMPTY_ARGS : value);
      if (isPromiseLike(verdict)) {
        const current = value;
        return Promise.resolve(verdict).then((settled) =>
          checkInput(ctx, plan, checks, passParsed, i + 1, accept(ctx, settled, current)),
        );
      }
      value = accept(ctx, verdict, value);
    }
    const checked = !passParsed || value === ctx.args ? ctx : ctx.with({ args: value as ToolArgs });
    return plan.rules.length === 0 ? checked : checkRules(checked, plan.rules, value);
  }

  function checkRules(
    ctx: ToolContext,
    rules: readonly ValidationRule[],
    value: unknown,
  ): ToolContext | Promise<ToolContext> {
    const args = isRecord(value) ? value : EMPTY_ARGS;
    const verdicts: unknown[] = [];
    let pending = false;
    for (const rule of rules) {
      const verdict = rule(args, ctx);
      if (isPromiseLike(verdict)) pending = true;
      verdicts.push(verdict);
    }
    return pending
      ? Promise.all(verdicts).then((settled) => settleRules(ctx, settled))
      : settleRules(ctx, verdicts);
  }

  function settleRules(ctx: ToolContext, verdicts: readonly unknown[]): ToolContext {
    let problems: ValidationIssue[] | undefined;
    for (const verdict of verdicts) {
      if (verdict !== undefined) (problems ??= []).push(...problemsOf(verdict, ctx.tool.name));
    }
    if (problems !== undefined && problems.length > 0) raise(ctx, invalidArguments(ctx.tool.name, problems));
    return ctx;
  }

  function checkStructured(
    ctx: ToolContext,
    plan: Plan,
    from: number,
    result: CallToolResult,
  ): CallToolResult | Promise<CallToolResult> {
    const structured = result.structuredContent;
    for (let i = from; i < plan.outputs.length; i++) {
      const verdict = (plan.outputs[i] as Check)(structured);
      if (isPromiseLike(verdict)) {
        return Promise.resolve(verdict).then((settled) => {
          if (Array.isArray(settled)) raise(ctx, outputInvalid(ctx.tool.name, settled as ValidationIssue[]));
          return checkStructured(ctx, plan, i + 1, result);
        });
      }
      if (Array.isArray(verdict)) raise(ctx, outputInvalid(ctx.tool.name, verdict as ValidationIssue[]));
    }
    return result;
  }

  function capResult(ctx: ToolContext, result: CallToolResult, maxBytes: number): CallToolResult {
    const cap = resultCap as NonNullable<typeof resultCap>;
    if (estimateJsonBytes(result, cap) <= maxBytes) return result;
    const cut = oversizedResult === 'truncate' ? truncateResult(result, maxBytes, cap) : undefined;
    if (cut === undefined) {
      raise(
        ctx,
        new MiddlewareError(
          'PAYLOAD_TOO_LARGE',
          `The result of tool \`${ctx.tool.name}\` is larger than the server allows (over ${maxBytes} ` +
            'bytes). Ask for less, e.g. a narrower query or a smaller page.',
          { data: { limit: 'maxResultBytes', max: maxBytes } },
        ),
      );
    }
    ctx.emit({
      type: 'warning',
      source: 'validation',
      message: `the result of tool \`${ctx.tool.name}\` was over ${maxBytes} bytes and was truncated`,
    });
    return cut;
  }

  function checkOutput(
    ctx: ToolContext,
    plan: Plan,
    result: CallToolResult,
  ): CallToolResult | Promise<CallToolResult> {
    // Only this call's own tool result is checked: a malformed one is the runner's to report, and a
    // task-augmented call answers with a CreateTaskResult (no `content`), which the SDK leaves alone too.
    if (!isToolResult(result) || !('content' in result) || ctx.params?.task !== undefined) return result;
    const out = maxResultBytes === undefined ? result : capResult(ctx, result, maxResultBytes);
    if (plan.outputs.length === 0 || out.isError === true) return out;
    if (out.structuredContent === undefined) {
      raise(
        ctx,
        outputInvalid(ctx.tool.name, [
          {
            path: ROOT_PATH,
            message: 'missing: the tool has an output schema but returned no structuredContent',
          },
        ]),
      );
    }
    return checkStructured(ctx, plan, 0, out);
  }

  function call(ctx: ToolContext, next: Next, plan: Plan): Promise<CallToolResult> {
    const pending = next(ctx);
    return plan.checksOutput ? pending.then((result) => checkOutput(ctx, plan, result)) : pending;
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
    const plan = planFor(ctx.tool, ctx);
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
