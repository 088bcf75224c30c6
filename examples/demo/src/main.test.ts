import { describe, expect, it } from 'vitest';
import { WIDTH } from './render.js';
import { renderDemo, runDemo, type DemoResult } from './main.js';

const row = (s: { tool: string; outcome: string; handlerCalls: number }): [string, string, number] => [
  s.tool,
  s.outcome,
  s.handlerCalls,
];

describe('the demo', () => {
  let result: DemoResult;
  it('tells the whole story in process: every middleware acts where the README says it does', async () => {
    process.env.DEMO_RESET_MS = '200';
    result = await runDemo();
    expect(result.inProcess.map(row)).toEqual([
      ['search_docs', 'ok', 1],
      ['search_docs', 'ok', 0],
      ['search_docs', 'INVALID_ARGUMENTS', 0],
      ['search_docs', 'PAYLOAD_TOO_LARGE', 0],
      ['(tools/list)', 'ok', 0],
      ['delete_user', 'not found', 0],
      ['delete_user', 'ok', 1],
      ['create_invoice', 'ok', 1],
      ['create_invoice', 'ok', 0],
      ['fetch_price', 'ok', 3],
      ['search_docs', 'ok', 1],
      ['search_docs', 'RATE_LIMITED', 0],
      ['check_inventory', 'INTERNAL', 1],
      ['check_inventory', 'INTERNAL', 1],
      ['check_inventory', 'INTERNAL', 1],
      ['check_inventory', 'CIRCUIT_OPEN', 0],
      ['check_inventory', 'ok', 1],
      ['build_report', 'TIMEOUT', 1],
      ['build_report', 'CONCURRENCY_LIMITED', 0],
    ]);
    const [, hit, invalid, , listed, hidden] = result.inProcess;
    expect(hit?.why).toContain('cache hit');
    // validation() answers before the SDK parses the arguments, naming the field.
    expect(invalid?.why).toContain('query');
    expect(invalid?.why).not.toContain('Input validation error');
    // A caller without the admin scope neither sees delete_user nor learns that it exists.
    expect(listed?.why.split(';')[0]).not.toContain('delete_user');
    expect(hidden?.why).toContain('counted as FORBIDDEN');
    // The destructive call ran once the human said yes; the retried write was answered from the first.
    expect(result.inProcess[6]?.why).toContain('after the human approved it (asked 1×');
    expect(result.inProcess[8]?.why).toContain('"replayed":true');
    expect(result.metrics).toContain(
      'mcp_middleware_retries_total{mcp_method_name="tools/call",gen_ai_tool_name="fetch_price"} 2',
    );
  });

  it('tells it again through the gateway, callers known by API key', () => {
    const byRow = result.gateway.map(row);
    expect(byRow[1]).toEqual(['search_docs', 'ok', 0]); // the gateway's cache
    expect(byRow[5]).toEqual(['delete_user', 'not found', 0]); // the reader's key
    expect(byRow[6]).toEqual(['delete_user', 'ok', 1]); // the admin's key, approved by the human
    expect(result.gateway[6]?.why).toContain('after the human approved it (asked 1×');
    expect(byRow.slice(7, 9)).toEqual([
      ['create_invoice', 'ok', 1],
      ['create_invoice', 'ok', 0], // the retried write, answered once
    ]);
    expect(byRow.slice(-2)).toEqual([
      ['build_report', 'TIMEOUT', 1],
      ['build_report', 'CONCURRENCY_LIMITED', 0],
    ]);
  });

  it('prints a trace tree of the flaky call: its span, and one handler span per attempt beneath', () => {
    expect(result.trace[0]).toMatch(/^tools\/call fetch_price {2}[\d.]+ ms$/);
    expect(result.trace.slice(1).map((line) => line.replace(/ {2}[\d.]+ ms/, ''))).toEqual([
      '├─ GET price-service  error: connection reset',
      '├─ GET price-service  error: connection reset',
      '└─ GET price-service',
    ]);
  });

  it('prints its table first, then the gateway, trace, logs and metrics, all within 100 columns', () => {
    const text = renderDemo(result, 1.5);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ +# {2}scenario +tool +outcome +handler$/);
    expect(lines.filter((line) => line.length > WIDTH)).toEqual([]);
    const order = ['the same story through the gateway', 'The trace of', 'What logging wrote', 'Metrics'].map(
      (heading) => text.indexOf(heading),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number)))).toBe(true);
    // pino's JSON lines are printed pretty, never raw.
    expect(text).not.toMatch(/^\s*\{"level"/m);
    expect(text).toContain('ERROR  check_inventory');
  });
});

describe('the config README example', () => {
  it('builds a server from the demo file', async () => {
    const { serverFromConfig } = await import('./from-config.js');
    const server = await serverFromConfig(new URL('../mcp-middleware.yaml', import.meta.url).pathname);
    expect(server.server).toBeDefined();
  });
});
