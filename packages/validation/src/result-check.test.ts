// ResultCheck on its own: the size cap (refuse or truncate) and structuredContent against the output schema.
import { isMiddlewareError, type CallToolResult } from '@mcp-middleware/core';
import { createTestContext, textResult } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { Planner } from './plan.js';
import { ResultCheck } from './result-check.js';

const big = textResult('x'.repeat(5000));
const noOutputPlan = new Planner(resolveOptions({})).of({ name: 't' }, createTestContext());

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('ResultCheck', () => {
  it('refuses a result over maxResultBytes with PAYLOAD_TOO_LARGE by default', () => {
    const check = new ResultCheck(1000, 'reject');
    const error = thrown(() => check.check(createTestContext(), noOutputPlan, big));
    expect(isMiddlewareError(error, 'PAYLOAD_TOO_LARGE')).toBe(true);
  });

  it('truncates a result over maxResultBytes under truncate, with a warning', () => {
    const ctx = createTestContext();
    const out = new ResultCheck(1000, 'truncate').check(ctx, noOutputPlan, big) as CallToolResult;
    expect(JSON.stringify(out).length).toBeLessThanOrEqual(1000);
    expect(ctx.events.map((e) => e.type)).toEqual(['warning']);
  });

  it('refuses structuredContent that breaks the output schema with OUTPUT_INVALID', () => {
    const tool = {
      name: 't',
      outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
    };
    const plan = new Planner(resolveOptions({})).of(tool, createTestContext());
    const check = new ResultCheck(undefined, 'reject');
    const ok: CallToolResult = { content: [], structuredContent: { n: 1 } };
    expect(check.check(createTestContext(), plan, ok)).toBe(ok);
    const error = thrown(() =>
      check.check(createTestContext(), plan, { content: [], structuredContent: { n: 'one' } }),
    );
    expect(isMiddlewareError(error, 'OUTPUT_INVALID')).toBe(true);
  });
});
