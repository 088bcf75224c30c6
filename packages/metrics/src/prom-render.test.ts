// A contract test: what this package relies on in prom-client's rendering. It fails loudly when an upgrade
// changes it; read prom-render.ts before changing the version.
import { createRequire } from 'node:module';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RENDER_METHOD, renderHistogram, row, type Rendered } from './prom-render.js';

// A histogram that adds one row through the render method, the way DurationHistogram does.
class Extended extends Histogram<'op'> {
  renders = 0;
  async [RENDER_METHOD](): Promise<Rendered> {
    this.renders++;
    const data = await renderHistogram(this);
    data.values.push(
      row('h_seconds_bucket', { op: 'added' }, 2, { le: 1 }),
      row('h_seconds_bucket', { op: 'added' }, 2, { le: '+Inf' }),
      row('h_seconds_sum', { op: 'added' }, 0.5),
      row('h_seconds_count', { op: 'added' }, 2),
    );
    return data;
  }
}

function setup(): { registry: Registry; histogram: Extended } {
  const registry = new Registry();
  const histogram = new Extended({
    name: 'h_seconds',
    help: 'h',
    labelNames: ['op'],
    buckets: [1],
    registers: [registry],
  });
  histogram.observe({ op: 'own' }, 0.25);
  return { registry, histogram };
}

describe('prom-client, as this package renders through it', () => {
  it('is major version 15 (read prom-render.ts before an upgrade)', () => {
    const { version } = createRequire(import.meta.url)('prom-client/package.json') as { version: string };
    expect(version.split('.')[0]).toBe('15');
  });

  it('has the render method on Histogram, and the base rendering gives rows of the known shape', async () => {
    expect(typeof (Histogram.prototype as unknown as Record<string, unknown>)[RENDER_METHOD]).toBe(
      'function',
    );
    const { histogram } = setup();
    const data = await renderHistogram(histogram);
    // The same shape `row()` builds: per-row labels apart from the label set in `sharedLabels`.
    expect(data.values).toContainEqual(
      expect.objectContaining({
        metricName: 'h_seconds_count',
        value: 1,
        labels: {},
        sharedLabels: { op: 'own' },
      }),
    );
    expect(data.values).toContainEqual(
      expect.objectContaining({
        metricName: 'h_seconds_bucket',
        value: 1,
        labels: { le: 1 },
        sharedLabels: { op: 'own' },
      }),
    );
  });

  it('renders the text format through the method, with added rows beside its own samples', async () => {
    const { registry, histogram } = setup();
    const text = await registry.metrics();
    expect(histogram.renders).toBe(1);
    expect(text).toContain('h_seconds_count{op="own"} 1');
    expect(text).toContain('h_seconds_bucket{le="1",op="added"} 2');
    expect(text).toContain('h_seconds_bucket{le="+Inf",op="added"} 2');
    expect(text).toContain('h_seconds_sum{op="added"} 0.5');
    expect(text).toContain('h_seconds_count{op="added"} 2');
  });

  it('renders the JSON that metricsHandler formats through the method too', async () => {
    const { registry, histogram } = setup();
    const [metric] = await registry.getMetricsAsJSON();
    expect(histogram.renders).toBe(1);
    const values = (metric as { values: { metricName?: string; labels: object; value: number }[] }).values;
    expect(values).toContainEqual(
      expect.objectContaining({ metricName: 'h_seconds_count', value: 2, labels: { op: 'added' } }),
    );
  });
});
