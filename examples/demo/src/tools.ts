// The demo's server: a handful of tools, each built to show one middleware at work.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** Counters the demo reads to show what reached the handlers. */
export interface DemoState {
  searchCalls: number;
  flakyCalls: number;
  inventoryCalls: number;
  deleteCalls: number;
  reportCalls: number;
  invoiceCalls: number;
  /** While true, `check_inventory` fails: its dependency is down. */
  inventoryDown: boolean;
}

/** Registers the demo tools on a new McpServer. */
export function createDemoServer(state: DemoState): McpServer {
  const server = new McpServer({ name: 'mcp-middleware-demo', version: '1.0.0' });
  server.registerTool(
    'search_docs',
    {
      description: 'Full-text search over the docs (read-only, cached)',
      inputSchema: { query: z.string().min(1), limit: z.number().int().min(1).max(50).default(5) },
      annotations: { readOnlyHint: true },
    },
    ({ query, limit }) => {
      state.searchCalls++;
      return text(`${Math.min(limit, 3)} results for "${query}"`);
    },
  );
  server.registerTool(
    'fetch_price',
    {
      description: 'Reads a price from a flaky upstream: the first two attempts of every call fail',
      inputSchema: { sku: z.string() },
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    ({ sku }) =>
      // The handler's own span: the trace shows it under the call's span, once per attempt.
      trace.getTracer('demo-tools').startActiveSpan('GET price-service', (span) => {
        try {
          state.flakyCalls++;
          if (state.flakyCalls % 3 !== 0) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
            throw new Error('upstream price service: connection reset');
          }
          return text(`${sku}: 19.99 EUR`);
        } finally {
          span.end();
        }
      }),
  );
  server.registerTool(
    'check_inventory',
    {
      description: 'Asks the warehouse; fails while the warehouse is down',
      inputSchema: { sku: z.string() },
      annotations: { readOnlyHint: false, idempotentHint: false },
    },
    ({ sku }) => {
      state.inventoryCalls++;
      if (state.inventoryDown) throw new Error('warehouse API unavailable (503)');
      return text(`${sku}: 42 in stock`);
    },
  );
  server.registerTool(
    'build_report',
    { description: 'A slow report that ignores cancellation', annotations: { readOnlyHint: false } },
    () => {
      state.reportCalls++;
      return new Promise<CallToolResult>((resolve) =>
        setTimeout(() => resolve(text('report ready')), 3000).unref(),
      );
    },
  );
  server.registerTool(
    'create_invoice',
    {
      description: 'Charges a customer: a write, safe to retry only with an idempotency key',
      inputSchema: { customer: z.string(), amount: z.number().positive() },
      annotations: { readOnlyHint: false, idempotentHint: false },
    },
    ({ customer, amount }) => {
      state.invoiceCalls++;
      return text(`invoice #${state.invoiceCalls} for ${customer}: ${amount} EUR`);
    },
  );
  server.registerTool(
    'delete_user',
    {
      description: 'Deletes a user (needs the admin scope)',
      inputSchema: { userId: z.string() },
      annotations: { destructiveHint: true },
    },
    ({ userId }) => {
      state.deleteCalls++;
      return text(`user ${userId} deleted`);
    },
  );
  return server;
}
