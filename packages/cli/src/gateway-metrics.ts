/** The gateway's own series on its Registry; read at scrape time, so calls pay nothing for them. */
import { Counter, Gauge, type Registry } from 'prom-client';

/** What the gauges read when Prometheus scrapes. */
export interface GatewayGaugeSource {
  upstreamUp(): boolean;
  sessions(): number;
  callsInFlight(): number;
}

/** The counters the gateway increments itself. */
export interface GatewayCounters {
  readonly restarts: Counter;
}

/** Registers `mcp_gateway_*` series on `registry`. */
export function registerGatewayMetrics(registry: Registry, source: GatewayGaugeSource): GatewayCounters {
  new Gauge({
    name: 'mcp_gateway_upstream_up',
    help: '1 while the gateway holds a live connection to the upstream MCP server, else 0',
    registers: [registry],
    collect() {
      this.set(source.upstreamUp() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mcp_gateway_sessions',
    help: 'Downstream MCP sessions currently connected to the gateway',
    registers: [registry],
    collect() {
      this.set(source.sessions());
    },
  });
  new Gauge({
    name: 'mcp_gateway_tool_calls_in_flight',
    help: 'tools/call requests the gateway is currently running',
    registers: [registry],
    collect() {
      this.set(source.callsInFlight());
    },
  });
  const restarts = new Counter({
    name: 'mcp_gateway_upstream_restarts_total',
    help: 'Times the gateway reconnected to the upstream MCP server after losing it',
    registers: [registry],
  });
  return { restarts };
}
