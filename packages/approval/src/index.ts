/** @mcp-middleware/approval: a human's yes before destructive tools run, fail-closed. */
export { approval } from './approval.js';
export type { ApprovalDecision, ApprovalOptions, ClientCapabilitiesLike, ServerLike } from './approval.js';
export { APPROVAL_INPUT } from './answer.js';
