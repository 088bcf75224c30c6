/**
 * The tool, args and raw handler every per-call case runs. Nothing here loads a package, so an A/B
 * (ab.ts) can use them without loading the workspace's builds.
 */
import type { ToolExtra, ToolInfo } from '@mcp-middleware/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The tool every per-call case runs: an idempotent, read-only echo with small args. */
export const benchTool: ToolInfo = Object.freeze({
  name: 'search',
  annotations: { readOnlyHint: true, idempotentHint: true },
  inputSchema: { type: 'object' },
});

export const benchArgs = Object.freeze({ query: 'mcp middleware', limit: 10 });

const RESULT: CallToolResult = { content: [{ type: 'text', text: 'ok' }] };

/** The raw handler the ratios are taken against: `await handler(args, extra)`. */
export const rawHandler = (_args: unknown, _extra: ToolExtra): Promise<CallToolResult> =>
  Promise.resolve(RESULT);

/** A fresh SDK-shaped `extra` with a live signal, as one server would hand many calls. */
export function benchExtra(overrides: Partial<ToolExtra> = {}): ToolExtra {
  return {
    signal: new AbortController().signal,
    requestId: 1,
    sendNotification: () => Promise.resolve(),
    sendRequest: () => Promise.reject(new Error('not available in benchmarks')),
    ...overrides,
  };
}
