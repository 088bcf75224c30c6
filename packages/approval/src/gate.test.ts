// ApprovalGate on its own: the ways it gets a yes, and that next never runs without one.
import { isMiddlewareError, type ToolExtra } from '@mcp-middleware/core';
import { createTestContext, stubHandler } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { ApprovalGate } from './gate.js';
import { readApprovalOptions, type ApprovalDecision, type ApprovalOptions } from './options.js';

function gate(options: ApprovalOptions, decisions: ApprovalDecision[] = []): ApprovalGate {
  return new ApprovalGate(readApprovalOptions({ onDecision: (d) => decisions.push(d), ...options }));
}

const answering = (content: unknown): Partial<ToolExtra> => ({
  sendRequest: (() => Promise.resolve({ action: 'accept', content })) as unknown as ToolExtra['sendRequest'],
});

describe('ApprovalGate', () => {
  it('runs the call when approve says yes, and records the grant', async () => {
    const decisions: ApprovalDecision[] = [];
    const handler = stubHandler();
    await gate({ approve: () => true }, decisions).check(createTestContext(), handler);
    expect(handler.calls).toHaveLength(1);
    expect(decisions).toEqual([{ tool: 'test_tool', decision: 'granted', via: 'callback' }]);
  });

  it('refuses without running the call when the client cannot show a form', async () => {
    const handler = stubHandler();
    const outcome = gate({ clientCapabilities: () => ({}) }).check(createTestContext(), handler);
    const error: unknown = await outcome.catch((e: unknown) => e);
    expect(isMiddlewareError(error, 'FORBIDDEN')).toBe(true);
    expect(handler.calls).toHaveLength(0);
  });

  it('asks through elicitation and runs the call on a yes, refuses it on a no', async () => {
    const handler = stubHandler();
    const g = gate({});
    await g.check(createTestContext({ extra: answering({ approve: true }) }), handler);
    const no: unknown = await g
      .check(createTestContext({ extra: answering({ approve: false }) }), handler)
      .catch((e: unknown) => e);
    expect(handler.calls).toHaveLength(1);
    expect(isMiddlewareError(no, 'FORBIDDEN')).toBe(true);
  });
});
