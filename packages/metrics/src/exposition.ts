/** The two exposition formats, written from prom-client's JSON so no registry setting is touched. */
import type { AnyRegistry } from './instruments.js';

/** What `Registry.getMetricsAsJSON()` resolves to. */
export type MetricsJson = Awaited<ReturnType<AnyRegistry['getMetricsAsJSON']>>;

/** Prometheus text 0.0.4 or OpenMetrics 1.0.0. */
export type ExpositionFormat = 'text' | 'openmetrics';

interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly metricName?: string | undefined;
  readonly exemplar?:
    | {
        readonly labelSet?: Readonly<Record<string, string | number>>;
        readonly value?: number;
        readonly timestamp?: number;
      }
    | null
    | undefined;
}

function escape(text: string, quotes: boolean): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return quotes ? escaped.replace(/"/g, '\\"') : escaped;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

// OpenMetrics wants canonical floats for bucket bounds and quantiles: "1.0", not "1".
function formatLabelValue(name: string, value: string | number, openMetrics: boolean): string {
  if (typeof value === 'number') {
    const text = formatNumber(value);
    return openMetrics && (name === 'le' || name === 'quantile') && Number.isInteger(value)
      ? `${text}.0`
      : text;
  }
  return escape(value, true);
}

function formatLabels(labels: Sample['labels'], openMetrics: boolean): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (value !== undefined) parts.push(`${name}="${formatLabelValue(name, value, openMetrics)}"`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * Writes metrics in the Prometheus text format or OpenMetrics. Counters are written as OpenMetrics
 * defines them in both: family `x`, samples `x_total` (the text format names the family `x_total`).
 */
export function formatMetrics(metrics: MetricsJson, format: ExpositionFormat): string {
  const openMetrics = format === 'openmetrics';
  const families: string[] = [];
  for (const metric of metrics) {
    const lines: string[] = [];
    const type = String(metric.type);
    const counter = type === 'counter';
    const base = counter ? metric.name.replace(/_total$/, '') : metric.name;
    const family = counter && !openMetrics ? `${base}_total` : base;
    lines.push(`# HELP ${family} ${escape(metric.help, openMetrics)}`, `# TYPE ${family} ${type}`);
    for (const sample of metric.values as readonly Sample[]) {
      const name = counter ? `${base}_total` : (sample.metricName ?? metric.name);
      let line = `${name}${formatLabels(sample.labels, openMetrics)} ${formatNumber(sample.value)}`;
      const exemplar = sample.exemplar;
      if (openMetrics && exemplar?.labelSet !== undefined && Object.keys(exemplar.labelSet).length > 0) {
        line += ` # ${formatLabels(exemplar.labelSet, true) || '{}'} ${formatNumber(exemplar.value ?? 0)}`;
        if (exemplar.timestamp !== undefined) line += ` ${exemplar.timestamp}`;
      }
      lines.push(line);
    }
    families.push(lines.join('\n'));
  }
  // Blank lines between families in the text format, as prom-client writes them; none in OpenMetrics.
  return openMetrics ? `${families.join('\n')}\n# EOF\n` : `${families.join('\n\n')}\n`;
}
