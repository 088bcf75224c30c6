/** What validation() checks for one tool, worked out on its first call and kept for the tool's lifetime. */
import { MiddlewareError, type ToolContext, type ToolInfo } from '@mcp-middleware/core';
import type { Resolved, ValidationRule } from './options.js';
import {
  compileSchema,
  isSdkSchema,
  jsonSchemaCheck,
  type Check,
  type JsonSchema,
  type SchemaSpec,
} from './schemas.js';

/** The checks for one tool. */
export interface Plan {
  /**
   * The input schemas: those `tools` gives for the tool, else the tool's own (at most one). The SDK
   * parses again after a zod schema of its own, so that one's parsed value is never passed on.
   */
  readonly inputs: readonly Check[];
  /** True when `inputs` is the tool's own schema (`tools` gives none for it). */
  readonly ownInput: boolean;
  /** True when `inputs` is the tool's own zod schema, checked only before the SDK parses (`'auto'`). */
  readonly ownBeforeSdkOnly: boolean;
  readonly rules: readonly ValidationRule[];
  /** The output schemas: those `tools` gives, else the tool's own JSON Schema (zod ones too under `'all'`). */
  readonly outputs: readonly Check[];
  readonly checksOutput: boolean;
  /** Set when a schema the tool carries cannot be compiled: every call is refused rather than run unchecked. */
  readonly broken: MiddlewareError | undefined;
}

// Compiled tool schemas kept by content, for callers that build a new ToolInfo per call.
const MAX_COMPILED_BY_TEXT = 256;

/** Returns the plan of a tool, built on its first call (per `ToolInfo` object) from resolved options. */
export function buildPlanner(settings: Resolved): (tool: ToolInfo, ctx: ToolContext) => Plan {
  const { toolSchemas, ajv, entries } = settings;
  const checksResults = settings.maxResultBytes !== undefined;
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

  function build(tool: ToolInfo, ctx: ToolContext): Plan {
    const inputs: Check[] = [];
    const outputs: Check[] = [];
    const rules: ValidationRule[] = [];
    for (const entry of entries) {
      if (!entry.matches(tool)) continue;
      if (entry.input !== undefined) inputs.push(entry.input);
      if (entry.output !== undefined) outputs.push(entry.output);
      rules.push(...entry.rules);
    }
    let broken: MiddlewareError | undefined;
    let ownBeforeSdkOnly = false;
    // The tool's own schema, when `tools` gives none; undefined when it does not apply.
    const own = (schema: unknown, which: 'input' | 'output'): Check | undefined => {
      if (toolSchemas === 'none' || typeof schema !== 'object' || schema === null) return undefined;
      const zod = isSdkSchema(schema);
      if (zod && toolSchemas === 'json-schema') return undefined;
      // The SDK checks the output of its own tools (inside the call), and parses their input after us.
      if (zod && toolSchemas === 'auto' && which === 'output') return undefined;
      try {
        const check = zod ? compileSchema(schema as SchemaSpec, ajv) : toolSchemaCheck(schema);
        if (zod && toolSchemas === 'auto' && which === 'input') ownBeforeSdkOnly = true;
        return check;
      } catch (error) {
        const reason = (error as Error).message;
        if (zod && toolSchemas === 'auto') {
          // The SDK still parses the arguments with it: skip our check rather than refuse the tool.
          ctx.emit({
            type: 'warning',
            source: 'validation',
            message: `tool \`${tool.name}\`: its ${which} schema is left to the SDK (${reason})`,
          });
          return undefined;
        }
        broken ??= new MiddlewareError(
          'INTERNAL',
          `Tool \`${tool.name}\` cannot be called: its ${which} schema cannot be compiled for validation ` +
            `(${reason}). This is a server configuration problem, not a problem with the arguments.`,
          { cause: error },
        );
        return undefined;
      }
    };
    let ownInput = false;
    if (inputs.length === 0) {
      const check = own(tool.inputSchema, 'input');
      if (check !== undefined) inputs.push(check);
      ownInput = check !== undefined;
    }
    if (outputs.length === 0) {
      const check = own(tool.outputSchema, 'output');
      if (check !== undefined) outputs.push(check);
    }
    if (broken !== undefined) ctx.emit({ type: 'warning', source: 'validation', message: broken.message });
    return {
      inputs,
      ownInput,
      ownBeforeSdkOnly,
      rules,
      outputs,
      checksOutput: outputs.length > 0 || checksResults,
      broken,
    };
  }

  return (tool, ctx) => {
    let plan = plans.get(tool);
    if (plan === undefined) {
      plan = build(tool, ctx);
      plans.set(tool, plan);
    }
    return plan;
  };
}
