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

/** A plan being built: what the tool's own schemas added besides their checks. */
interface Draft {
  broken: MiddlewareError | undefined;
  ownBeforeSdkOnly: boolean;
}

/**
 * The plans of one validation(): each tool's, built on its first call (per `ToolInfo` object) from the
 * resolved options, and the tool schemas compiled so far (by object, and by content for callers that build
 * a new ToolInfo per call). Built once per validation().
 */
export class Planner {
  private readonly plans = new WeakMap<ToolInfo, Plan>();
  private readonly compiledBySchema = new WeakMap<object, Check>();
  private readonly compiledByText = new Map<string, Check>();
  private readonly checksResults: boolean;

  constructor(private readonly settings: Resolved) {
    this.checksResults = settings.maxResultBytes !== undefined;
  }

  /** The plan of `tool`. */
  of(tool: ToolInfo, ctx: ToolContext): Plan {
    let plan = this.plans.get(tool);
    if (plan === undefined) {
      plan = this.build(tool, ctx);
      this.plans.set(tool, plan);
    }
    return plan;
  }

  private build(tool: ToolInfo, ctx: ToolContext): Plan {
    const inputs: Check[] = [];
    const outputs: Check[] = [];
    const rules: ValidationRule[] = [];
    for (const entry of this.settings.entries) {
      if (!entry.matches(tool)) continue;
      if (entry.input !== undefined) inputs.push(entry.input);
      if (entry.output !== undefined) outputs.push(entry.output);
      rules.push(...entry.rules);
    }
    const draft: Draft = { broken: undefined, ownBeforeSdkOnly: false };
    let ownInput = false;
    if (inputs.length === 0) {
      const check = this.own(tool, ctx, draft, tool.inputSchema, 'input');
      if (check !== undefined) inputs.push(check);
      ownInput = check !== undefined;
    }
    if (outputs.length === 0) {
      const check = this.own(tool, ctx, draft, tool.outputSchema, 'output');
      if (check !== undefined) outputs.push(check);
    }
    const { broken, ownBeforeSdkOnly } = draft;
    if (broken !== undefined) ctx.emit({ type: 'warning', source: 'validation', message: broken.message });
    return {
      inputs,
      ownInput,
      ownBeforeSdkOnly,
      rules,
      outputs,
      checksOutput: outputs.length > 0 || this.checksResults,
      broken,
    };
  }

  // The tool's own schema, when `tools` gives none; undefined when it does not apply.
  private own(
    tool: ToolInfo,
    ctx: ToolContext,
    draft: Draft,
    schema: unknown,
    which: 'input' | 'output',
  ): Check | undefined {
    const { toolSchemas, ajv } = this.settings;
    if (toolSchemas === 'none' || typeof schema !== 'object' || schema === null) return undefined;
    const zod = isSdkSchema(schema);
    if (zod && toolSchemas === 'json-schema') return undefined;
    // The SDK checks the output of its own tools (inside the call), and parses their input after us.
    if (zod && toolSchemas === 'auto' && which === 'output') return undefined;
    try {
      const check = zod ? compileSchema(schema as SchemaSpec, ajv) : this.toolSchemaCheck(schema);
      if (zod && toolSchemas === 'auto' && which === 'input') draft.ownBeforeSdkOnly = true;
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
      draft.broken ??= new MiddlewareError(
        'INTERNAL',
        `Tool \`${tool.name}\` cannot be called: its ${which} schema cannot be compiled for validation ` +
          `(${reason}). This is a server configuration problem, not a problem with the arguments.`,
        { cause: error },
      );
      return undefined;
    }
  }

  private toolSchemaCheck(schema: object): Check {
    let check = this.compiledBySchema.get(schema);
    if (check !== undefined) return check;
    let text: string | undefined;
    try {
      text = JSON.stringify(schema);
    } catch {
      text = undefined;
    }
    const byText = this.compiledByText;
    check = text === undefined ? undefined : byText.get(text);
    if (check === undefined) {
      check = jsonSchemaCheck(schema as JsonSchema, this.settings.ajv);
      if (text !== undefined) {
        if (byText.size >= MAX_COMPILED_BY_TEXT) byText.delete(byText.keys().next().value as string);
        byText.set(text, check);
      }
    }
    this.compiledBySchema.set(schema, check);
    return check;
  }
}
