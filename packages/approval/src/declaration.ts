/**
 * approval()'s options, declared once (the package's `./options` export): the factory's check, the config
 * file's validation and its JSON Schema come from here.
 */
import { declareOptions, fn, integer, value } from '@mcp-middleware/core/options';
import type { ApprovalOptions } from './options.js';

/** Every option of {@link ApprovalOptions}: kind, range, default, and one line of doc. */
export const APPROVAL_OPTIONS = declareOptions<ApprovalOptions>()('approval', {
  tools: value({
    doc: 'the tools that need a human approval (globs; default: tools annotated destructiveHint)',
  }),
  approve: fn('your own approval flow, instead of asking the client'),
  server: value({ doc: 'the server whose client is asked on the 2025-11-25 wire', inFile: false }),
  clientCapabilities: fn('reads the client’s capabilities for a call, in place of server'),
  secret: value({
    doc: 'HMAC key of input_required states, ≥ 32 characters; replicas share it (default: random per process)',
  }),
  ttlMs: integer({
    min: 1_000,
    default: 600_000,
    doc: 'how long an input_required approval round stays answerable',
  }),
  timeoutMs: integer({ min: 1_000, default: 600_000, doc: 'how long to wait for the human before refusing' }),
  message: fn('the question shown to the human'),
  onDecision: fn('called with every decision (an audit trail)'),
});
