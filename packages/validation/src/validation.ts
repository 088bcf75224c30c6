/** validation(): payload guards, the schemas the SDK does not check, business rules, and output checks. */
import {
  ConfigError,
  MiddlewareError,
  describeValue,
  isToolResult,
  readOptions,
  toolMatcher,
  type CallToolResult,
  type Middleware,
  type Next,
  type OptionReader,
  type ToolArgs,
  type ToolContext,
  type ToolInfo,
} from '@mcp-middleware/core';
import { ROOT_PATH, formatPath, invalidArguments, outputInvalid, type ValidationIssue } from './issues.js';
import { truncateResult } from './output.js';
import {
  byteCap,
  checkPayload,
  estimateJsonBytes,
  type PathSegment,
  type PayloadLimits,
  type PayloadViolation,
} from './payload.js';
import {
  compileSchema,
  isPromiseLike,
  isSdkSchema,
  jsonSchemaCheck,
  type AjvCompiler,
  type Check,
  type JsonSchema,
  type SchemaSpec,
  type Verdict,
} from './schemas.js';

/** One problem a rule found. */
export interface RuleProblem {
  /** Where: `'amount'`, or segments `['items', 2, 'qty']`. @default the arguments as a whole */
  readonly path?: string | readonly PathSegment[];
  /** What is wrong and what would be right, for the model: `'must not exceed the balance of 120.00'`. */
  readonly message: string;
}

/** What a rule returns: nothing when the arguments are fine, else a message or problems. */
export type RuleVerdict = undefined | void | string | RuleProblem | readonly RuleProblem[];

/** A business rule over the arguments (after schemas passed, so they are parsed), sync or async. */
export type ValidationRule = (
  args: Readonly<Record<string, unknown>>,
  ctx: ToolContext,
) => RuleVerdict | Promise<RuleVerdict>;

/** What `validation()` checks for the tools one glob picks. */
export interface ToolValidation {
  /** Checked after the payload guards; a zod schema's parsed value replaces the arguments. @default none */
  readonly inputSchema?: SchemaSpec;
  /** Checked against `structuredContent` of results that are not `isError`. @default none */
  readonly outputSchema?: SchemaSpec;
  /** Run after the schemas, in order; every problem of every rule is reported at once. @default none */
  readonly rules?: ValidationRule | readonly ValidationRule[];
}

/** Options of {@link validation}. */
export interface ValidationOptions {
  /** Estimated JSON size of the arguments. @default 1_048_576 (1 MiB) */
  readonly maxArgsBytes?: number;
  /** Nesting levels of objects and arrays; the arguments object is level 1. @default 32 */
  readonly maxDepth?: number;
  /** Characters in any string of the arguments, property names included. @default 262_144 */
  readonly maxStringLength?: number;
  /** Items in any array of the arguments. @default 10_000 */
  readonly maxArrayLength?: number;
  /** Property names refused anywhere in the arguments; `[]` turns the check off. @default ['__proto__', 'constructor', 'prototype'] */
  readonly forbiddenKeys?: readonly string[];
  /**
   * Which schemas carried by the tool itself (`inputSchema`, `outputSchema`) to check. `'json-schema'`:
   * plain JSON Schema objects (gateway and low-level `Server` tools), not zod schemas, which `McpServer`
   * already checked; `'all'`: zod schemas too (tools you wrap with `wrapTool` for a low-level `Server`);
   * `'none'`: only the schemas in `tools`. @default 'json-schema'
   */
  readonly toolSchemas?: 'json-schema' | 'all' | 'none';
  /** Schemas and rules per tool, keyed by name glob (`'transfer_*'`); every matching entry applies. @default {} */
  readonly tools?: Readonly<Record<string, ToolValidation>>;
  /** Estimated JSON size of a result; unset means unchecked. @default undefined */
  readonly maxResultBytes?: number;
  /** What to do with a result over `maxResultBytes`: refuse it, or cut its text with a visible marker. @default 'reject' */
  readonly oversizedResult?: 'reject' | 'truncate';
  /** The ajv instance that compiles every JSON Schema (add ajv-formats to it to check `format`). @default one ajv per dialect, formats not checked */
  readonly ajv?: AjvCompiler;
}

const KNOWN_OPTIONS = [
  'maxArgsBytes',
  'maxDepth',
  'maxStringLength',
  'maxArrayLength',
  'forbiddenKeys',
  'toolSchemas',
  'tools',
  'maxResultBytes',
  'oversizedResult',
  'ajv',
] as const;
const KNOWN_TOOL_OPTIONS = ['inputSchema', 'outputSchema', 'rules'] as const;
const DEFAULT_FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];
// Compiled tool schemas kept by content, for callers that build a new ToolInfo per call.
const MAX_COMPILED_BY_TEXT = 256;
const EMPTY_ARGS: Readonly<Record<string, unknown>> = Object.freeze({});

interface Entry {
  readonly matches: (tool: ToolInfo) => boolean;
  readonly input: Check | undefined;
  readonly output: Check | undefined;
  readonly rules: readonly ValidationRule[];
}

// What applies to one tool, worked out on its first call.
interface Plan {
  readonly inputs: readonly Check[];
  readonly rules: readonly ValidationRule[];
  readonly outputs: readonly Check[];
  readonly checksOutput: boolean;
  readonly broken: MiddlewareError | undefined;
}

function readForbiddenKeys(o: OptionReader): string[] {
  const value = o.raw('forbiddenKeys');
  if (value === undefined) return DEFAULT_FORBIDDEN_KEYS;
  if (!Array.isArray(value) || !value.every((key) => typeof key === 'string' && key !== '')) {
    o.fail('forbiddenKeys', 'an array of property names');
  }
  return value as string[];
}

function readAjv(o: OptionReader): AjvCompiler | undefined {
  const value = o.raw('ajv');
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as AjvCompiler).compile !== 'function') {
    o.fail('ajv', 'an ajv instance (an object with compile())');
  }
  return value as AjvCompiler;
}

function readSchema(o: OptionReader, key: string, ajv: AjvCompiler | undefined): Check | undefined {
  const value = o.raw(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    o.fail(key, 'a zod schema, a raw shape of zod schemas, or a JSON Schema object');
  }
  try {
    return compileSchema(value as SchemaSpec, ajv);
  } catch (error) {
    const path = o.path(key);
    throw new ConfigError(path, `validation: ${path} cannot be compiled: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function readRules(o: OptionReader): ValidationRule[] {
  const value = o.raw('rules');
  if (value === undefined) return [];
  const rules: unknown[] = Array.isArray(value) ? value : [value];
  if (!rules.every((rule) => typeof rule === 'function'))
    o.fail('rules', 'a function or an array of functions');
  return rules as ValidationRule[];
}

function readTools(o: OptionReader, ajv: AjvCompiler | undefined): Entry[] {
  const value = o.raw('tools');
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    o.fail('tools', 'an object mapping tool-name globs to { inputSchema?, outputSchema?, rules? }');
  }
  return Object.entries(value).map(([glob, settings]) => {
    const entry = readOptions('validation', settings, KNOWN_TOOL_OPTIONS, `tools.${glob}.`);
    return {
      matches: toolMatcher(glob),
      input: readSchema(entry, 'inputSchema', ajv),
      output: readSchema(entry, 'outputSchema', ajv),
      rules: readRules(entry),
    };
  });
}

function payloadError(tool: string, violation: PayloadViolation): MiddlewareError {
  switch (violation.kind) {
    case 'bytes':
      return new MiddlewareError(
        'PAYLOAD_TOO_LARGE',
        `The arguments for tool \`${tool}\` are too large: over the limit of ${violation.limit} bytes. ` +
          'Send less data, e.g. split the work over several calls.',
        { data: { limit: 'maxArgsBytes', max: violation.limit } },
      );
    case 'string':
    case 'array': {
      const path = formatPath(violation.path);
      const what = violation.kind === 'string' ? ['string', 'characters'] : ['array', 'items'];
      return new MiddlewareError(
        'PAYLOAD_TOO_LARGE',
        `The ${what[0]} at \`${path}\` in the arguments for tool \`${tool}\` has ${violation.length} ` +
          `${what[1]}, over the limit of ${violation.limit}. Send a smaller value, e.g. split the work over several calls.`,
        {
          data: {
            limit: violation.kind === 'string' ? 'maxStringLength' : 'maxArrayLength',
            max: violation.limit,
            path,
          },
        },
      );
    }
    case 'depth':
      return invalidArguments(
        tool,
        [
          {
            path: formatPath(violation.path),
            message: `nested deeper than the limit of ${violation.limit} levels; send a flatter structure`,
          },
        ],
        { limit: 'maxDepth', max: violation.limit },
      );
    case 'key':
      return invalidArguments(
        tool,
        [
          {
            path: formatPath(violation.path),
            message: `the property name "${violation.key}" is not allowed; rename or remove it`,
          },
        ],
        { limit: 'forbiddenKeys' },
      );
  }
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

/**
 * Guards tool calls: payload limits first (size, depth, string and array lengths, forbidden keys such as
 * `__proto__`), then the JSON Schemas the SDK does not check and the schemas and rules in `tools`, then
 * the result (size, `structuredContent` against the output schema). Refusals are tool execution errors:
 * `INVALID_ARGUMENTS` listing every failing path, `PAYLOAD_TOO_LARGE`, `OUTPUT_INVALID`.
 */
export function validation(options: ValidationOptions = {}): Middleware {
  const o = readOptions('validation', options, KNOWN_OPTIONS);
  const limits: PayloadLimits = {
    maxBytes: o.integer('maxArgsBytes', { min: 2, default: 1_048_576 }),
    maxDepth: o.integer('maxDepth', { min: 1, default: 32 }),
    maxStringLength: o.integer('maxStringLength', { min: 1, default: 262_144 }),
    maxArrayLength: o.integer('maxArrayLength', { min: 0, default: 10_000 }),
    forbiddenKeys: new Set(readForbiddenKeys(o)),
  };
  const toolSchemas = o.oneOf('toolSchemas', ['json-schema', 'all', 'none'], 'json-schema');
  const maxResultBytes = o.integer('maxResultBytes', { min: 256 });
  const oversizedResult = o.oneOf('oversizedResult', ['reject', 'truncate'], 'reject');
  const ajv = readAjv(o);
  const entries = readTools(o, ajv);
  const resultCap = maxResultBytes === undefined ? undefined : byteCap(maxResultBytes);

  const plans = new WeakMap<ToolInfo, Plan>();
  const compiledBySchema = new WeakMap<object, Check>();
  const compiledByText = new Map<string, Check>();

  function toolSchemaCheck(schema: object): Check {
    let check = compiledBySchema.get(schema);
    if (check !== undefined) return check;
    let text: string | undefined;
    try {
      text = JSON.stringify(schema);
    } catch {
      text = undefined;
    }
    check = text === undefined ? undefined : compiledByText.get(text);
    if (check === undefined) {
      check = jsonSchemaCheck(schema as JsonSchema, ajv);
      if (text !== undefined) {
        if (compiledByText.size >= MAX_COMPILED_BY_TEXT) {
          compiledByText.delete(compiledByText.keys().next().value as string);
        }
        compiledByText.set(text, check);
      }
    }
    compiledBySchema.set(schema, check);
    return check;
  }

  function buildPlan(tool: ToolInfo, ctx: ToolContext): Plan {
    const inputs: Check[] = [];
    const outputs: Check[] = [];
    const rules: ValidationRule[] = [];
    let broken: MiddlewareError | undefined;
    const adopt = (schema: unknown, which: string, into: Check[]): void => {
      if (toolSchemas === 'none' || typeof schema !== 'object' || schema === null) return;
      const sdk = isSdkSchema(schema);
      if (sdk && toolSchemas !== 'all') return;
      try {
        into.push(sdk ? compileSchema(schema as SchemaSpec, ajv) : toolSchemaCheck(schema));
      } catch (error) {
        broken ??= new MiddlewareError(
          'INTERNAL',
          `Tool \`${tool.name}\` cannot be called: its ${which} schema cannot be compiled for validation ` +
            `(${(error as Error).message}). This is a server configuration problem, not a problem with the arguments.`,
          { cause: error },
        );
      }
    };
    adopt(tool.inputSchema, 'input', inputs);
    adopt(tool.outputSchema, 'output', outputs);
    for (const entry of entries) {
      if (!entry.matches(tool)) continue;
      if (entry.input !== undefined) inputs.push(entry.input);
      if (entry.output !== undefined) outputs.push(entry.output);
      rules.push(...entry.rules);
    }
    if (broken !== undefined) ctx.emit({ type: 'warning', source: 'validation', message: broken.message });
    return {
      inputs,
      rules,
      outputs,
      checksOutput: outputs.length > 0 || maxResultBytes !== undefined,
      broken,
    };
  }

  function raise(ctx: ToolContext, error: MiddlewareError): never {
    ctx.emit({ type: 'reject', code: error.code, source: 'validation' });
    throw error;
  }

  function accept(ctx: ToolContext, verdict: Verdict, value: unknown): unknown {
    if (verdict === undefined) return value;
    if (Array.isArray(verdict)) raise(ctx, invalidArguments(ctx.tool.name, verdict as ValidationIssue[]));
    return (verdict as { readonly value: unknown }).value;
  }

  // Runs the input checks from `from` on, then the rules; answers the context to call next with.
  function checkInput(
    ctx: ToolContext,
    plan: Plan,
    from: number,
    value: unknown,
  ): ToolContext | Promise<ToolContext> {
    for (let i = from; i < plan.inputs.length; i++) {
      // A call without arguments is checked as `{}`, as the SDK does.
      const verdict = (plan.inputs[i] as Check)(value === undefined ? EMPTY_ARGS : value);
      if (isPromiseLike(verdict)) {
        const current = value;
        return Promise.resolve(verdict).then((settled) =>
          checkInput(ctx, plan, i + 1, accept(ctx, settled, current)),
        );
      }
      value = accept(ctx, verdict, value);
    }
    return checkRules(ctx, plan, value);
  }

  function checkRules(ctx: ToolContext, plan: Plan, value: unknown): ToolContext | Promise<ToolContext> {
    const checked = value === ctx.args ? ctx : ctx.with({ args: value as ToolArgs });
    if (plan.rules.length === 0) return checked;
    const args = (typeof value === 'object' && value !== null ? value : EMPTY_ARGS) as Record<
      string,
      unknown
    >;
    const verdicts: unknown[] = [];
    let pending = false;
    for (const rule of plan.rules) {
      const verdict = rule(args, checked);
      if (isPromiseLike(verdict)) pending = true;
      verdicts.push(verdict);
    }
    return pending
      ? Promise.all(verdicts).then((settled) => settleRules(checked, settled))
      : settleRules(checked, verdicts);
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

  function checkOutput(
    ctx: ToolContext,
    plan: Plan,
    result: CallToolResult,
  ): CallToolResult | Promise<CallToolResult> {
    // A malformed result is the runner's to report.
    if (!isToolResult(result)) return result;
    let out = result;
    if (resultCap !== undefined && estimateJsonBytes(result, resultCap) > resultCap.maxBytes) {
      const cut =
        oversizedResult === 'truncate' ? truncateResult(result, resultCap.maxBytes, resultCap) : undefined;
      if (cut === undefined) {
        raise(
          ctx,
          new MiddlewareError(
            'PAYLOAD_TOO_LARGE',
            `The result of tool \`${ctx.tool.name}\` is larger than the server allows (over ${resultCap.maxBytes} ` +
              'bytes). Ask for less, e.g. a narrower query or a smaller page.',
            { data: { limit: 'maxResultBytes', max: resultCap.maxBytes } },
          ),
        );
      }
      ctx.emit({
        type: 'warning',
        source: 'validation',
        message: `the result of tool \`${ctx.tool.name}\` was over ${resultCap.maxBytes} bytes and was truncated`,
      });
      out = cut;
    }
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

  return function validation(ctx: ToolContext, next: Next): Promise<CallToolResult> {
    try {
      const args = ctx.args;
      if (args !== undefined) {
        const violation = checkPayload(args, limits);
        if (violation !== undefined) raise(ctx, payloadError(ctx.tool.name, violation));
      }
      let plan = plans.get(ctx.tool);
      if (plan === undefined) {
        plan = buildPlan(ctx.tool, ctx);
        plans.set(ctx.tool, plan);
      }
      if (plan.broken !== undefined) raise(ctx, plan.broken);
      if (plan.inputs.length === 0 && plan.rules.length === 0) return call(ctx, next, plan);
      const checked = checkInput(ctx, plan, 0, args);
      const runWith = plan;
      return isPromiseLike(checked)
        ? Promise.resolve(checked).then((c) => call(c, next, runWith))
        : call(checked, next, plan);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
