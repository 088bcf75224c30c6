// The one-command demo: a server behind the full pipeline from mcp-middleware.yaml, driven by the real
// SDK client through the story of a day in production, printed as a table with a metrics excerpt.
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Registry } from 'prom-client';
import { EventChannel, errorDetailOf, withMiddleware, type MiddlewareEvent } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { createPipeline, loadConfig } from '@mcp-middleware/config';
import { createDemoServer, type DemoState } from './tools.js';

/** One row of the story. */
export interface Step {
  readonly scenario: string;
  readonly tool: string;
  readonly outcome: string;
  readonly why: string;
  readonly handlerCalls: number;
}

/** Runs the story and returns its rows and a metrics excerpt; `main` prints them. */
export async function runDemo(
  configPath = fileURLToPath(new URL('../mcp-middleware.yaml', import.meta.url)),
): Promise<{
  steps: Step[];
  metrics: string[];
}> {
  const state: DemoState = {
    searchCalls: 0,
    flakyCalls: 0,
    inventoryCalls: 0,
    deleteCalls: 0,
    reportCalls: 0,
    inventoryDown: false,
  };
  const registry = new Registry();
  const built = await createPipeline(loadConfig(configPath), { metricsRegistry: registry });
  const events = new EventChannel();
  const seen: MiddlewareEvent[] = [];
  events.subscribe((event) => seen.push(event));
  const server = withMiddleware(createDemoServer(state), built.middlewares, { events });

  let scopes = ['docs:read'];
  const { client, close } = await connectInMemory(server, {
    authInfo: () => ({
      token: 'demo-token',
      clientId: 'demo-app',
      scopes,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    }),
  });

  const steps: Step[] = [];
  const firstText = (r: CallToolResult): string => {
    const block = r.content[0];
    return block?.type === 'text' ? block.text : '';
  };
  const call = async (
    scenario: string,
    tool: string,
    args: Record<string, unknown> | undefined,
    why: (result: CallToolResult, newEvents: MiddlewareEvent[]) => string,
    calls: () => number,
  ): Promise<CallToolResult> => {
    const before = seen.length;
    const handlerBefore = calls();
    const result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
    const detail = errorDetailOf(result);
    const hidden = result.isError === true && / not found$/.test(firstText(result));
    const outcome =
      detail !== undefined ? detail.code : hidden ? 'not found' : result.isError === true ? 'isError' : 'ok';
    steps.push({
      scenario,
      tool,
      outcome,
      why: why(result, seen.slice(before)),
      handlerCalls: calls() - handlerBefore,
    });
    return result;
  };
  const count = (list: MiddlewareEvent[], type: MiddlewareEvent['type']): number =>
    list.filter((e) => e.type === type).length;

  try {
    await call(
      'a normal call',
      'search_docs',
      { query: 'retry' },
      (r) => firstText(r),
      () => state.searchCalls,
    );
    await call(
      'the same call again',
      'search_docs',
      { query: 'retry' },
      (r) => `cache hit, ${JSON.stringify(r._meta?.['io.github.mcp-middleware/cache'])}`,
      () => state.searchCalls,
    );
    await call(
      'invalid arguments',
      'search_docs',
      { query: 42 },
      (r) =>
        firstText(r)
          .replace(/\s*\n[\s-]*/g, ' ')
          .slice(0, 100),
      () => state.searchCalls,
    );
    await call(
      'an oversized payload',
      'search_docs',
      { query: 'x'.repeat(4000) },
      (r) => firstText(r),
      () => state.searchCalls,
    );
    const listed = (await client.listTools()).tools.map((t) => t.name);
    steps.push({
      scenario: 'list tools without the admin scope',
      tool: '(tools/list)',
      outcome: 'ok',
      why: `${listed.length} tools: ${listed.join(', ')}; delete_user is not among them`,
      handlerCalls: 0,
    });
    await call(
      'a call without the admin scope',
      'delete_user',
      { userId: 'u-17' },
      (r, e) =>
        `${firstText(r)}: answered as for an unknown tool, counted as ${e.find((x) => x.type === 'reject')?.code ?? '?'}`,
      () => state.deleteCalls,
    );
    scopes = ['docs:read', 'admin'];
    await call(
      'the same call with the admin scope',
      'delete_user',
      { userId: 'u-17' },
      (r) => firstText(r),
      () => state.deleteCalls,
    );
    await call(
      'a flaky dependency',
      'fetch_price',
      { sku: 'A-1' },
      (r, e) => `healed by retry after ${count(e, 'retry')} retries: ${firstText(r)}`,
      () => state.flakyCalls,
    );
    await call(
      'one search too many',
      'search_docs',
      { query: 'limits' },
      (r) => firstText(r),
      () => state.searchCalls,
    );
    await call(
      'one search too many',
      'search_docs',
      { query: 'quota' },
      (r) => firstText(r),
      () => state.searchCalls,
    );

    state.inventoryDown = true;
    for (let i = 1; i <= 3; i++) {
      await call(
        `warehouse down (${i})`,
        'check_inventory',
        { sku: 'A-1' },
        (r) => `${firstText(r)} (not retried: not idempotent)`,
        () => state.inventoryCalls,
      );
    }
    await call(
      'warehouse still down',
      'check_inventory',
      { sku: 'A-1' },
      (r) => `${firstText(r)}; the handler was not called`,
      () => state.inventoryCalls,
    );
    state.inventoryDown = false;
    await delay(Number(process.env.DEMO_RESET_MS ?? 1000) + 100);
    await call(
      'warehouse back, after resetTimeoutMs',
      'check_inventory',
      { sku: 'A-1' },
      (r, e) =>
        `${firstText(r)}: the probe succeeded, breaker ${e.some((x) => x.type === 'breaker' && x.state === 'closed') ? 'closed' : 'state unchanged'}`,
      () => state.inventoryCalls,
    );
    await call(
      'a slow report',
      'build_report',
      undefined,
      (r) => `${firstText(r)} (the handler ignores its signal; the caller is answered anyway)`,
      () => state.reportCalls,
    );
  } finally {
    await close();
    await built.close();
  }

  const text = await registry.metrics();
  const metrics = text
    .split('\n')
    .filter((line) =>
      /^(mcp_server_operation_duration_seconds_count|mcp_middleware_(rejections|retries|cache_requests)_total|mcp_middleware_circuit_breakers)\{/.test(
        line,
      ),
    );
  return { steps, metrics };
}

function table(steps: readonly Step[]): string {
  const header = ['#', 'scenario', 'tool', 'outcome', 'handler ran', 'why'];
  const rows = steps.map((s, i) => [
    String(i + 1),
    s.scenario,
    s.tool,
    s.outcome,
    String(s.handlerCalls),
    s.why,
  ]);
  const widths = header.map((h, c) =>
    Math.min(c === 5 ? 100 : 40, Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length))),
  );
  const fmt = (cells: string[]): string =>
    cells.map((cell, c) => cell.slice(0, widths[c]).padEnd(widths[c] ?? 0)).join('  ');
  return [fmt(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { steps, metrics } = await runDemo();
  process.stdout.write(
    `\nmcp-middleware demo: one server, the full pipeline from examples/demo/mcp-middleware.yaml\n\n`,
  );
  process.stdout.write(
    `${table(steps)}\n\nmetrics excerpt (GET /metrics):\n${metrics.map((l) => `  ${l}`).join('\n')}\n`,
  );
  process.stdout.write(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
