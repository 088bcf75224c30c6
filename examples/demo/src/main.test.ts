import { describe, expect, it } from 'vitest';
import { runDemo } from './main.js';

describe('the demo', () => {
  it('tells the whole story: every middleware acts where the README says it does', async () => {
    process.env.DEMO_RESET_MS = '200';
    const { steps, metrics } = await runDemo();
    expect(steps.map((s) => [s.tool, s.outcome, s.handlerCalls])).toEqual([
      ['search_docs', 'ok', 1],
      ['search_docs', 'ok', 0],
      ['search_docs', 'isError', 0],
      ['search_docs', 'PAYLOAD_TOO_LARGE', 0],
      ['delete_user', 'FORBIDDEN', 0],
      ['delete_user', 'ok', 1],
      ['fetch_price', 'ok', 3],
      ['search_docs', 'ok', 1],
      ['search_docs', 'RATE_LIMITED', 0],
      ['check_inventory', 'INTERNAL', 1],
      ['check_inventory', 'INTERNAL', 1],
      ['check_inventory', 'INTERNAL', 1],
      ['check_inventory', 'CIRCUIT_OPEN', 0],
      ['check_inventory', 'ok', 1],
      ['build_report', 'TIMEOUT', 1],
    ]);
    expect(steps[1]?.why).toContain('cache hit');
    expect(
      metrics.some((line) =>
        line.startsWith('mcp_middleware_retries_total{gen_ai_tool_name="fetch_price"} 2'),
      ),
    ).toBe(true);
  });
});

describe('the config README example', () => {
  it('builds a server from the demo file', async () => {
    const { serverFromConfig } = await import('./from-config.js');
    const server = await serverFromConfig(new URL('../mcp-middleware.yaml', import.meta.url).pathname);
    expect(server.server).toBeDefined();
  });
});
