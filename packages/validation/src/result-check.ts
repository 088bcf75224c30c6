/** validation()'s result checks: the size cap (refuse or truncate), then `structuredContent` against the output schema. */
import { MiddlewareError, isToolResult, type CallToolResult, type ToolContext } from '@mcp-middleware/core';
import { raise } from './input-check.js';
import { ROOT_PATH, outputInvalid, type ValidationIssue } from './issues.js';
import { truncateResult } from './output.js';
import { byteCap, estimateJsonBytes, type PayloadLimits } from './payload.js';
import type { Plan } from './plan.js';
import { isPromiseLike, type Check } from './schemas.js';

/** The result side of one validation(): its size cap and what to do over it. Built once per validation(). */
export class ResultCheck {
  private readonly cap: PayloadLimits | undefined;

  constructor(
    private readonly maxResultBytes: number | undefined,
    private readonly oversizedResult: 'reject' | 'truncate',
  ) {
    this.cap = maxResultBytes === undefined ? undefined : byteCap(maxResultBytes);
  }

  /** The result to answer with: `result`, or it truncated; throws OUTPUT_INVALID or PAYLOAD_TOO_LARGE. */
  check(ctx: ToolContext, plan: Plan, result: CallToolResult): CallToolResult | Promise<CallToolResult> {
    // Only this call's own final tool result is checked: a malformed one is the runner's to report; a
    // task-augmented call answers with a CreateTaskResult (no `content`), which the SDK leaves alone too; and a
    // 2026-07-28 answer whose resultType is not "complete" (input_required, a task handle, a kind added later)
    // is a step of the exchange, not the output the schema describes.
    if (!isToolResult(result) || !('content' in result) || ctx.params?.task !== undefined) return result;
    const kind = (result as { resultType?: unknown }).resultType;
    if (kind !== undefined && kind !== 'complete') return result;
    const maxResultBytes = this.maxResultBytes;
    const out = maxResultBytes === undefined ? result : this.capResult(ctx, result, maxResultBytes);
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
    return this.checkStructured(ctx, plan, 0, out);
  }

  private checkStructured(
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
          return this.checkStructured(ctx, plan, i + 1, result);
        });
      }
      if (Array.isArray(verdict)) raise(ctx, outputInvalid(ctx.tool.name, verdict as ValidationIssue[]));
    }
    return result;
  }

  private capResult(ctx: ToolContext, result: CallToolResult, maxBytes: number): CallToolResult {
    const cap = this.cap as PayloadLimits;
    if (estimateJsonBytes(result, cap) <= maxBytes) return result;
    const cut = this.oversizedResult === 'truncate' ? truncateResult(result, maxBytes, cap) : undefined;
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
}
