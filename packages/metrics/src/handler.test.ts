import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@mcp-middleware/core';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsHandler, negotiateFormat } from './handler.js';

// Prometheus 2.x and 3.x send these.
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(registry: Registry): Promise<string> {
  const handler = metricsHandler(registry);
  const server = createServer((req, res) => void handler(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

function registryWithCounter(): Registry {
  const registry = new Registry();
  new Counter({ name: 'jobs_total', help: 'Jobs.', registers: [registry] }).inc(2);
  return registry;
}

describe('metricsHandler', () => {
  it('serves the Prometheus text format when the scraper states no preference', async () => {
    const response = await fetch(await serve(registryWithCounter()));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    expect(await response.text()).toContain('# TYPE jobs_total counter\njobs_total 2\n');
  });

  it("serves OpenMetrics for Prometheus's own Accept header", async () => {
    const response = await fetch(await serve(registryWithCounter()), {
      headers: { accept: PROMETHEUS_ACCEPT },
    });
    expect(response.headers.get('content-type')).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
    const body = await response.text();
    expect(body).toContain('# TYPE jobs counter\njobs_total 2\n');
    expect(body.endsWith('# EOF\n')).toBe(true);
  });

  it('keeps counter names intact in text scrapes after an OpenMetrics scrape', async () => {
    const url = await serve(registryWithCounter());
    await (await fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } })).text();
    expect(await (await fetch(url)).text()).toContain('\njobs_total 2\n');
  });

  it('says the answer varies with Accept', async () => {
    const response = await fetch(await serve(registryWithCounter()));
    expect(response.headers.get('vary')).toBe('Accept');
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(await serve(registryWithCounter()), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('answers other methods with 405 and the allowed ones', async () => {
    const response = await fetch(await serve(registryWithCounter()), { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 without the collector error text when a collector throws', async () => {
    const registry = new Registry();
    new Gauge({
      name: 'broken',
      help: 'Throws.',
      registers: [registry],
      collect() {
        throw new Error('password=hunter2 in a collector');
      },
    });
    const response = await fetch(await serve(registry));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('hunter2');
  });

  it('refuses something that is not a registry with a ConfigError', () => {
    expect(() => metricsHandler({} as Registry)).toThrow(ConfigError);
  });
});

describe('negotiateFormat', () => {
  it.each([
    [undefined, 'text'],
    ['', 'text'],
    ['*/*', 'text'],
    ['text/plain;version=0.0.4', 'text'],
    ['application/openmetrics-text', 'openmetrics'],
    [PROMETHEUS_ACCEPT, 'openmetrics'],
    ['application/openmetrics-text;q=0.3,text/plain;q=0.9', 'text'],
    ['application/openmetrics-text;q=0', 'text'],
    ['Application/OpenMetrics-Text; version=1.0.0', 'openmetrics'],
  ])('reads Accept %j as %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});
