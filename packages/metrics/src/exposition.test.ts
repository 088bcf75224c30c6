import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  Summary,
  type OpenMetricsContentType,
  type RegistryContentType,
} from 'prom-client';
import { describe, expect, it } from 'vitest';
import { formatMetrics } from './exposition.js';

function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}

function populated(openMetrics = false): Registry<RegistryContentType> {
  const registry: Registry<RegistryContentType> = openMetrics ? openMetricsRegistry() : new Registry();
  const registers = [registry] as Registry[];
  new Counter({ name: 'jobs_total', help: 'Jobs done.', labelNames: ['kind'], registers }).inc(
    { kind: 'a' },
    3,
  );
  new Gauge({ name: 'queue_depth', help: 'Queued\nnow.', labelNames: ['q'], registers }).set({ q: 'x"y' }, 2);
  const histogram = new Histogram({ name: 'wait_seconds', help: 'Wait.', buckets: [0.5, 1, 2], registers });
  histogram.observe(0.7);
  histogram.observe(3);
  new Summary({ name: 'size_bytes', help: 'Size.', percentiles: [0.5, 1], registers }).observe(10);
  return registry;
}

describe('formatMetrics', () => {
  it('writes the text format exactly as prom-client does for a text registry', async () => {
    const registry = populated();
    expect(formatMetrics(await registry.getMetricsAsJSON(), 'text')).toBe(await registry.metrics());
  });

  it('names a counter family without _total and its samples with _total in OpenMetrics', async () => {
    const text = formatMetrics(await populated().getMetricsAsJSON(), 'openmetrics');
    expect(text).toContain('# TYPE jobs counter\n');
    expect(text).toContain('\njobs_total{kind="a"} 3\n');
  });

  it('ends OpenMetrics with # EOF and no blank lines', async () => {
    const text = formatMetrics(await populated().getMetricsAsJSON(), 'openmetrics');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text).not.toContain('\n\n');
  });

  it('writes bucket bounds and quantiles as canonical floats in OpenMetrics', async () => {
    const text = formatMetrics(await populated().getMetricsAsJSON(), 'openmetrics');
    expect(text).toContain('wait_seconds_bucket{le="1.0"} 1\n');
    expect(text).toContain('wait_seconds_bucket{le="+Inf"} 2\n');
    expect(text).toContain('size_bytes{quantile="1.0"} 10\n');
  });

  it('escapes quotes, backslashes and newlines', async () => {
    const text = formatMetrics(await populated().getMetricsAsJSON(), 'openmetrics');
    expect(text).toContain('queue_depth{q="x\\"y"} 2');
    expect(text).toContain('# HELP queue_depth Queued\\nnow.');
  });

  it('writes text with _total counters from an OpenMetrics registry that prom-client renamed', async () => {
    const registry = populated(true);
    await registry.metrics(); // prom-client strips _total from the counter's name here
    const text = formatMetrics(await registry.getMetricsAsJSON(), 'text');
    expect(text).toContain('# TYPE jobs_total counter\njobs_total{kind="a"} 3');
  });

  it('writes exemplars only in OpenMetrics', async () => {
    const registry = openMetricsRegistry();
    const counter = new Counter({
      name: 'hits_total',
      help: 'Hits.',
      enableExemplars: true,
      registers: [registry],
    });
    counter.inc({ value: 1, exemplarLabels: { trace_id: 'abc' } });
    const json = await registry.getMetricsAsJSON();
    expect(formatMetrics(json, 'openmetrics')).toMatch(/^hits_total 1 # \{trace_id="abc"\} 1 [\d.]+$/m);
    expect(formatMetrics(json, 'text')).toContain('\nhits_total 1\n');
  });
});
