// The story the demo tells: the same calls, in order, against any client (in process or via the gateway).
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorDetailOf, type MiddlewareEvent } from '@mcp-middleware/core';
import type { DemoState } from './tools.js';

/** One row of the story. */
export interface Step {
  readonly scenario: string;
  readonly tool: string;
  readonly outcome: string;
  readonly why: string;
  readonly handlerCalls: number;
}

/** Where the story runs: a client as a reader, how to become an admin, and what the pipeline emitted. */
export interface Stage {
  readonly reader: Client;
  /** A client with the admin scope (a new API key, or new authInfo). */
  admin(): Promise<Client>;
  /** What the human was asked to approve, in order (elicitation). */
  readonly asked: readonly string[];
  readonly events: readonly MiddlewareEvent[];
  readonly state: DemoState;
  readonly resetMs: number;
}

const firstText = (r: CallToolResult): string => {
  const block = r.content[0];
  return block?.type === 'text' ? block.text : '';
};

const count = (list: readonly MiddlewareEvent[], type: MiddlewareEvent['type']): number =>
  list.filter((e) => e.type === type).length;

/** Runs every scenario against `stage` and returns one row per scenario. */
export async function tellStory(stage: Stage): Promise<Step[]> {
  const { state } = stage;
  const steps: Step[] = [];
  let client = stage.reader;
  const call = async (
    scenario: string,
    tool: string,
    args: Record<string, unknown> | undefined,
    why: (result: CallToolResult, newEvents: readonly MiddlewareEvent[]) => string,
    calls: () => number,
    meta?: Record<string, unknown>,
  ): Promise<void> => {
    const before = stage.events.length;
    const handlerBefore = calls();
    const result = (await client.callTool({
      name: tool,
      arguments: args,
      ...(meta === undefined ? {} : { _meta: meta }),
    })) as CallToolResult;
    const detail = errorDetailOf(result);
    const hidden = result.isError === true && / not found$/.test(firstText(result));
    const outcome =
      detail !== undefined ? detail.code : hidden ? 'not found' : result.isError === true ? 'isError' : 'ok';
    steps.push({
      scenario,
      tool,
      outcome,
      why: why(result, stage.events.slice(before)),
      handlerCalls: calls() - handlerBefore,
    });
  };
  const searches = (): number => state.searchCalls;

  await call('a normal call', 'search_docs', { query: 'retry' }, firstText, searches);
  await call(
    'the same call again',
    'search_docs',
    { query: 'retry' },
    (r) => `cache hit, ${JSON.stringify(r._meta?.['io.github.mcp-middleware/cache'])}`,
    searches,
  );
  await call(
    'invalid arguments',
    'search_docs',
    { query: 42 },
    (r) => firstText(r).replace(/\s*\n[\s-]*/g, ' '),
    searches,
  );
  await call('an oversized payload', 'search_docs', { query: 'x'.repeat(4000) }, firstText, searches);
  const listed = (await client.listTools()).tools.map((t) => t.name);
  steps.push({
    scenario: 'list tools, no admin scope',
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
  client = await stage.admin();
  const askedBefore = stage.asked.length;
  await call(
    'the same call as an admin',
    'delete_user',
    { userId: 'u-17' },
    (r) =>
      `${firstText(r)}, after the human approved it (asked ${stage.asked.length - askedBefore}×: ${JSON.stringify(stage.asked.at(-1)?.split('\n')[0] ?? '')})`,
    () => state.deleteCalls,
  );
  // A write retried after a lost answer, with the same idempotency key: the customer is charged once.
  const invoice = { 'io.github.mcp-middleware/idempotency-key': 'invoice-acme-0042' };
  const invoices = (): number => state.invoiceCalls;
  await call(
    'a write with a key',
    'create_invoice',
    { customer: 'acme', amount: 120 },
    firstText,
    invoices,
    invoice,
  );
  await call(
    'the write retried, same key',
    'create_invoice',
    { customer: 'acme', amount: 120 },
    (r) =>
      `${firstText(r)}: answered once, replayed ${JSON.stringify(r._meta?.['io.github.mcp-middleware/idempotency'])}`,
    invoices,
    invoice,
  );
  await call(
    'a flaky dependency',
    'fetch_price',
    { sku: 'A-1' },
    (r, e) => `healed by retry after ${count(e, 'retry')} retries: ${firstText(r)}`,
    () => state.flakyCalls,
  );
  await call('another search', 'search_docs', { query: 'limits' }, firstText, searches);
  await call('one search too many', 'search_docs', { query: 'quota' }, firstText, searches);

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
  await delay(stage.resetMs + 50);
  await call(
    'warehouse back, after the reset',
    'check_inventory',
    { sku: 'A-1' },
    (r, e) =>
      `${firstText(r)}: the probe succeeded, breaker ${e.some((x) => x.type === 'breaker' && x.state === 'closed') ? 'closed' : 'state unchanged'}`,
    () => state.inventoryCalls,
  );
  // Two slow reports at once: build_report has one slot (concurrencyLimit), so the second is turned away
  // at once while the first runs into its deadline (timeout).
  const first = call(
    'a slow report',
    'build_report',
    undefined,
    (r) => `${firstText(r)} (the handler ignores its signal; the caller is answered anyway)`,
    () => state.reportCalls,
  );
  await delay(20);
  await call('a second report meanwhile', 'build_report', undefined, firstText, () => 0);
  await first;
  // The second report finished first; show the story in the order the calls were made.
  const last = steps.length - 1;
  [steps[last - 1], steps[last]] = [steps[last] as Step, steps[last - 1] as Step];
  return steps;
}
