/** validation()'s options: declared once, checked and resolved when the factory runs, never per call. */
import {
  ConfigError,
  readOptions,
  type OptionReader,
  type ToolContext,
  type ToolInfo,
} from '@mcp-middleware/core';
import { toolMatcher } from '@mcp-middleware/core/helpers';
import { VALIDATION_OPTIONS } from './declaration.js';
import type { PathSegment, PayloadLimits } from './payload.js';
import { compileSchema, type AjvCompiler, type Check, type SchemaSpec } from './schemas.js';

/** One problem a rule found. */
export interface RuleProblem {
  /** Where: `'amount'`, or segments `['items', 2, 'qty']`. @default the arguments as a whole */
  readonly path?: string | readonly PathSegment[];
  /** What is wrong and what would be right, for the model: `'must not exceed the balance of 120.00'`. */
  readonly message: string;
}

/** What a rule returns: nothing when the arguments are fine, else a message or problems. */
export type RuleVerdict = undefined | void | string | RuleProblem | readonly RuleProblem[];

/**
 * A business rule over the arguments, sync or async. It runs after the schemas passed and gets their
 * parsed value (zod defaults applied); `ctx.args` is what the pipeline passes on.
 */
export type ValidationRule = (
  args: Readonly<Record<string, unknown>>,
  ctx: ToolContext,
) => RuleVerdict | Promise<RuleVerdict>;

/** What `validation()` checks for the tools one glob picks. */
export interface ToolValidation {
  /**
   * Checked after the payload guards, instead of the tool's own input schema; a zod schema's parsed value
   * replaces the arguments. @default none
   */
  readonly inputSchema?: SchemaSpec;
  /** Checked against `structuredContent` of results that are not `isError`. @default none */
  readonly outputSchema?: SchemaSpec;
  /** Run after the schemas, in order; every problem of every rule is reported at once. @default none */
  readonly rules?: ValidationRule | readonly ValidationRule[];
}

/** Which schemas carried by the tool itself `validation()` checks; see {@link ValidationOptions.toolSchemas}. */
export type ToolSchemas = 'auto' | 'json-schema' | 'all' | 'none';

/** Options of `validation()`. */
export interface ValidationOptions {
  /** Estimated JSON size of the arguments (and of the params of every other request). @default 1_048_576 (1 MiB) */
  readonly maxArgsBytes?: number;
  /** Nesting levels of objects and arrays; the arguments (or params) object is level 1. @default 32 */
  readonly maxDepth?: number;
  /** Characters in any string of the arguments or params, property names included. @default 262_144 */
  readonly maxStringLength?: number;
  /** Items in any array of the arguments or params. @default 10_000 */
  readonly maxArrayLength?: number;
  /** Property names refused anywhere in the arguments or params; `[]` turns the check off. @default ['__proto__', 'constructor', 'prototype'] */
  readonly forbiddenKeys?: readonly string[];
  /**
   * Which schemas carried by the tool itself (`inputSchema`, `outputSchema`) to check when `tools` gives
   * none for it. `'auto'`: JSON Schema always (gateway and low-level `Server` tools), and an `McpServer`
   * tool's zod input schema when the call reaches `validation()` before the SDK parses its arguments
   * (`withMiddleware`); zod output schemas are left to the SDK, which checks them. `'json-schema'`: JSON
   * Schema only. `'all'`: zod too, on every call (tools you wrap with `wrapTool` for a low-level `Server`).
   * `'none'`: only the schemas in `tools`. @default 'auto'
   */
  readonly toolSchemas?: ToolSchemas;
  /** Schemas and rules per tool, keyed by name glob (`'transfer_*'`); every matching entry applies. @default {} */
  readonly tools?: Readonly<Record<string, ToolValidation>>;
  /** Estimated JSON size of a result; unset means unchecked. @default undefined */
  readonly maxResultBytes?: number;
  /** What to do with a result over `maxResultBytes`: refuse it, or cut its text with a visible marker. @default 'reject' */
  readonly oversizedResult?: 'reject' | 'truncate';
  /** The ajv instance that compiles every JSON Schema (add ajv-formats to it to check `format`). @default one ajv per dialect, formats not checked */
  readonly ajv?: AjvCompiler;
}

/** One `tools` entry, compiled. */
export interface Entry {
  readonly matches: (tool: ToolInfo) => boolean;
  readonly input: Check | undefined;
  readonly output: Check | undefined;
  readonly rules: readonly ValidationRule[];
}

/** Every option, checked and resolved. */
export interface Resolved {
  readonly limits: PayloadLimits;
  readonly toolSchemas: ToolSchemas;
  readonly maxResultBytes: number | undefined;
  readonly oversizedResult: 'reject' | 'truncate';
  readonly ajv: AjvCompiler | undefined;
  readonly entries: readonly Entry[];
}

const KNOWN_TOOL_OPTIONS = ['inputSchema', 'outputSchema', 'rules'] as const;
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

/** Checks `options` and resolves them; throws a `ConfigError` naming the first bad option. */
export function resolveOptions(options: ValidationOptions): Resolved {
  const { values, reader: o } = VALIDATION_OPTIONS.read(options);
  const limits: PayloadLimits = {
    maxBytes: values.maxArgsBytes,
    maxDepth: values.maxDepth,
    maxStringLength: values.maxStringLength,
    maxArrayLength: values.maxArrayLength,
    forbiddenKeys: new Set(values.forbiddenKeys),
  };
  const { toolSchemas, maxResultBytes, oversizedResult } = values;
  const ajv = readAjv(o);
  return { limits, toolSchemas, maxResultBytes, oversizedResult, ajv, entries: readTools(o, ajv) };
}
