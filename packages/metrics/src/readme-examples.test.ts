// The README's snippets, verbatim, run against the real SDK and a real HTTP scrape.
// #region imports
import { createServer as createHttpServer, type Server } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { withMiddleware } from '@mcp-middleware/core';
import { metrics, metricsHandler } from '@mcp-middleware/metrics';
import { z } from 'zod';
// #endregion
// #region registry-imports
import { Registry, collectDefaultMetrics } from 'prom-client';
// #endregion
// #region otel
import { metrics as otelMetrics } from '@opentelemetry/api';

const viaYourMeter = metrics({ meter: otelMetrics.getMeter('weather-mcp') });
const viaTheGlobalProvider = metrics({ meter: 'global' }); // config files: metrics: { otel: true }
// #endregion
import type { AddressInfo } from 'node:net';
import { connectInMemory } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';

// #region smallest-usage
function createServers(): { mcp: McpServer; scrape: Server } {
  const observe = metrics();
  const mcp = withMiddleware(new McpServer({ name: 'weather', version: '1.0.0' }), [observe]);
  mcp.registerTool('forecast', { inputSchema: { city: z.string() } }, ({ city }) => ({
    content: [{ type: 'text', text: `Sunny in ${city}` }],
  }));

  const serveMetrics = metricsHandler(observe.registry);
  const scrape = createHttpServer((req, res) => {
    if (req.url === '/metrics') void serveMetrics(req, res);
    else res.writeHead(404).end();
  });
  return { mcp, scrape }; // scrape.listen(9464) and point Prometheus at it
}
// #endregion

// #region own-registry
const registry = new Registry();
collectDefaultMetrics({ register: registry }); // process metrics beside the MCP ones
registry.setDefaultLabels({ service: 'weather-mcp' });
const observed = metrics({ registry, maxTools: 50 });
// #endregion

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

describe('README examples', () => {
  it('builds metrics() on your meter and on the global provider, measuring every request', () => {
    for (const middleware of [viaYourMeter, viaTheGlobalProvider]) {
      expect(typeof middleware.requests?.['*']).toBe('function');
    }
  });

  it('serves the duration of a real tool call on /metrics', async () => {
    const { mcp, scrape } = createServers();
    const { client, close } = await connectInMemory(mcp);
    await client.callTool({ name: 'forecast', arguments: { city: 'Paris' } });
    const url = await listen(scrape);
    const text = await (await fetch(url)).text();
    await close();
    await new Promise((resolve) => scrape.close(resolve));
    expect(text).toContain(
      'mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",gen_ai_tool_name="forecast"} 1',
    );
  });

  it('writes to your registry, next to the default process metrics and with its default labels', async () => {
    const mcp = withMiddleware(new McpServer({ name: 'weather', version: '1.0.0' }), [observed]);
    mcp.registerTool('forecast', {}, () => ({ content: [{ type: 'text', text: 'Sunny' }] }));
    const { client, close } = await connectInMemory(mcp);
    await client.callTool({ name: 'forecast' });
    await close();
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/mcp_server_operation_duration_seconds_count\{[^}]*service="weather-mcp"[^}]*\} 1/);
  });
});
