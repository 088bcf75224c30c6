import { describe, expect, it } from 'vitest';
import { runDemo } from './main.js';

describe('the demo', () => {
  it('tells the whole story: every middleware acts where the README says it does', async () => {
    process.env.DEMO_RESET_MS = '200';
    const { steps, metrics } = await runDemo();
    expect(steps.map((s) => [s.tool, s.outcome, s.handlerCalls])).toEqual([
      ['search_docs', 'ok', 1],
      ['search_docs', 'ok', 0],
      ['search_docs', 'INVALID_ARGUMENTS', 0],
      ['search_docs', 'PAYLOAD_TOO_LARGE', 0],
      ['(tools/list)', 'ok', 0],
      ['delete_user', 'not found', 0],
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
    // validation() answers before the SDK parses the arguments, naming the field.
    expect(steps[2]?.why).toContain('query');
    expect(steps[2]?.why).not.toContain('Input validation error');
    // A caller without the admin scope neither sees delete_user nor learns that it exists.
    expect(steps[4]?.why.split(';')[0]).toContain('search_docs');
    expect(steps[4]?.why.split(';')[0]).not.toContain('delete_user');
    expect(steps[5]?.why).toContain('counted as FORBIDDEN');
    expect(
      metrics.some(
        (line) =>
          line.startsWith('mcp_middleware_retries_total{') &&
          line.includes('gen_ai_tool_name="fetch_price"') &&
          line.endsWith('} 2'),
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
