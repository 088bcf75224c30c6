import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DurationHistogram } from './duration.js';

const BUCKETS = [0.01, 0.1, 1, 10];
const VALUES = [0.004, 0.01, 0.05, 0.7, 3, 42];
const LABELS = { mcp_method_name: 'tools/call', gen_ai_tool_name: 'search' } as const;

/** The histogram under test, `d_seconds` over BUCKETS, registered in `registry`. */
const durationIn = (registry: Registry): DurationHistogram =>
  new DurationHistogram({ name: 'd_seconds', help: 'd', buckets: BUCKETS, registers: [registry] });

describe('DurationHistogram', () => {
  it("renders the same text as prom-client's Histogram given the same observations", async () => {
    const fast = new Registry();
    const series = durationIn(fast).series(LABELS);
    const plain = new Registry();
    const reference = new Histogram({
      name: 'd_seconds',
      help: 'd',
      labelNames: ['mcp_method_name', 'gen_ai_tool_name', 'error_type'],
      buckets: BUCKETS,
      registers: [plain],
    });
    for (const value of VALUES) {
      series.observe(value);
      reference.observe(LABELS, value);
    }
    expect(await fast.metrics()).toBe(await plain.metrics());
  });

  it('forgets its counts when the registry resets its metrics', async () => {
    const registry = new Registry();
    const histogram = durationIn(registry);
    histogram.series(LABELS).observe(0.5);
    registry.resetMetrics();
    expect((await histogram.get()).values).toEqual([]);
  });

  it("still renders observations made through prom-client's own observe()", async () => {
    const registry = new Registry();
    const histogram = durationIn(registry);
    histogram.observe({ ...LABELS, error_type: 'TIMEOUT' }, 0.5);
    histogram.series(LABELS).observe(0.5);
    const counts = (await histogram.get()).values.filter((v) => v.metricName === 'd_seconds_count');
    expect(counts.map((v) => v.labels.error_type)).toEqual(['TIMEOUT', undefined]);
  });
});
