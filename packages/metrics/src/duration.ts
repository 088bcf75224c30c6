/** The duration histogram: a prom-client Histogram whose tool-call samples live in flat arrays, so observe is a few ns. */
import {
  Histogram,
  type OpenMetricsContentType,
  type PrometheusContentType,
  type Registry,
} from 'prom-client';
import { RENDER_METHOD, renderHistogram, row, type Rendered } from './prom-render.js';

/** The labels of `mcp_server_operation_duration_seconds`. */
export type DurationLabel = 'mcp_method_name' | 'gen_ai_tool_name' | 'gen_ai_prompt_name' | 'error_type';
type Labels = Readonly<Partial<Record<DurationLabel, string>>>;

/** One label set's counts: per bucket (not cumulative, +Inf last), sum and count. */
export class DurationSeries {
  readonly labels: Labels;
  readonly #bounds: readonly number[];
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(labels: Labels, bounds: readonly number[]) {
    this.labels = Object.freeze({ ...labels });
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    (this.counts[i] as number)++;
    this.sum += seconds;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * prom-client's own `observe()` hashes the label set on every call; this keeps each label
 * set's counts in a {@link DurationSeries} and hands them to prom-client only when it renders. It is a
 * real Histogram in the registry: `observe()` on it still works and is rendered beside these series.
 */
export class DurationHistogram extends Histogram<DurationLabel> {
  // Declared, not initialised as a field: prom-client's constructor calls reset() before fields exist.
  declare private list: DurationSeries[] | undefined;
  declare private bounds: readonly number[];
  declare private metricName: string;

  constructor(config: {
    name: string;
    help: string;
    buckets: readonly number[];
    registers: (Registry<PrometheusContentType> | Registry<OpenMetricsContentType>)[];
  }) {
    super({
      name: config.name,
      help: config.help,
      labelNames: ['mcp_method_name', 'gen_ai_tool_name', 'gen_ai_prompt_name', 'error_type'],
      buckets: [...config.buckets],
      registers: config.registers,
    });
    this.bounds = config.buckets;
    this.metricName = config.name;
    this.list = [];
  }

  /** A new label set's series; keep it, the histogram does not look it up again. */
  series(labels: Labels): DurationSeries {
    const series = new DurationSeries(labels, this.bounds);
    this.list?.push(series);
    return series;
  }

  override reset(): void {
    super.reset();
    for (const series of this.list ?? []) series.reset();
  }

  /** What prom-client renders: its own samples, then every series that has seen a call. */
  async [RENDER_METHOD](): Promise<Rendered> {
    const data = await renderHistogram(this);
    const name = this.metricName;
    const bucketName = `${name}_bucket`;
    for (const series of this.list ?? []) {
      if (series.count === 0) continue;
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        data.values.push(row(bucketName, series.labels, cumulative, { le }));
      });
      data.values.push(
        row(bucketName, series.labels, series.count, { le: '+Inf' }),
        row(`${name}_sum`, series.labels, series.sum),
        row(`${name}_count`, series.labels, series.count),
      );
    }
    return data;
  }
}
