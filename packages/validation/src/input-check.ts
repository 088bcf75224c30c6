/** validation()'s input checks: the schemas in order (sync or async), then the business rules. */
import { MiddlewareError, type ToolArgs, type ToolContext, type RequestContext } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { ROOT_PATH, formatPath, invalidArguments, type ValidationIssue } from './issues.js';
import type { ValidationRule } from './options.js';
import type { PathSegment } from './payload.js';
import type { Plan } from './plan.js';
import { isPromiseLike, type Check, type Verdict } from './schemas.js';

/** A call without arguments is checked as `{}`, as the SDK does. */
export const EMPTY_ARGS: Readonly<Record<string, unknown>> = Object.freeze({});

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
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

/** Emits the reject event and throws `error`. */
export function raise(ctx: RequestContext, error: MiddlewareError): never {
  ctx.emit({ type: 'reject', code: error.code, source: 'validation' });
  throw error;
}

function accept(ctx: ToolContext, verdict: Verdict, value: unknown): unknown {
  if (verdict === undefined) return value;
  if (Array.isArray(verdict)) raise(ctx, invalidArguments(ctx.tool.name, verdict as ValidationIssue[]));
  return (verdict as { readonly value: unknown }).value;
}

/**
 * Runs `checks` from `from` on, then the rules; answers the context to call next with. `value` is the
 * parsed value so far; it is passed on only when `passParsed` (see the README, "What goes on").
 */
export function checkInput(
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
