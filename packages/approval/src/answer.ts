/** The yes/no form approval asks, and how an answer (elicitation result or input response) is read. */
import type { ApprovalDecision } from './options.js';

/** The key of approval's entry in `inputRequests` / `inputResponses`. */
export const APPROVAL_INPUT = 'io.github.mcp-middleware/approval';

/** The form: one required boolean. */
export const asked = Object.freeze({
  type: 'object',
  properties: { approve: { type: 'boolean', title: 'Approve', description: 'Run this tool call now' } },
  required: ['approve'],
}) as {
  type: 'object';
  properties: Record<string, { type: 'boolean'; title: string; description: string }>;
  required: string[];
};

/** A decision without the tool name (the middleware adds it). */
export type Decision = Omit<ApprovalDecision, 'tool'>;

/**
 * `accept` only for `{ action: 'accept', content: { approve: true } }`; `decline` for any other well-formed
 * answer (declined, cancelled, `approve: false`); `invalid` for anything else. Never throws.
 */
export function decisionOf(answer: unknown): 'accept' | 'decline' | 'invalid' {
  try {
    if (typeof answer !== 'object' || answer === null) return 'invalid';
    const { action, content } = answer as { action?: unknown; content?: unknown };
    if (action === 'decline' || action === 'cancel') return 'decline';
    if (action !== 'accept' || typeof content !== 'object' || content === null) return 'invalid';
    const approve = (content as { approve?: unknown }).approve;
    if (approve === true) return 'accept';
    return approve === false ? 'decline' : 'invalid';
  } catch {
    return 'invalid';
  }
}
