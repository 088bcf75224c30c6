/**
 * The fence around prom-client's rendering internals: the one file that knows how prom-client 15 turns a
 * metric into samples (a method it does not document, and the shape of the rows it returns). The
 * contract test beside it fails loudly when an upgrade changes either.
 */
import { Histogram } from 'prom-client';

/** The name of the method prom-client 15 renders a metric through (`Registry.metrics`, `getMetricsAsJSON`, `get`). */
export const RENDER_METHOD = 'getForPromString';

/** One sample row as prom-client renders it. */
export interface RenderedRow {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string | undefined>>;
  value: number;
  metricName: string;
  exemplar: null;
}

/** What the render method resolves to: the metric's rows, among fields prom-client reads itself. */
export type Rendered = { values: RenderedRow[] } & Record<string, unknown>;

const baseRender = (
  Histogram.prototype as unknown as Record<typeof RENDER_METHOD, (this: Histogram) => Promise<Rendered>>
)[RENDER_METHOD];

/** prom-client's own rendering of `histogram` (its samples from `observe()`), before a subclass adds rows. */
export function renderHistogram(histogram: Histogram<string>): Promise<Rendered> {
  return baseRender.call(histogram);
}

/** A row of `metricName` for the label set `shared`; `labels` holds per-row labels (`le` for a bucket). */
export function row(
  metricName: string,
  shared: Readonly<Record<string, string | undefined>>,
  value: number,
  labels: Record<string, string | number> = {},
): RenderedRow {
  return { labels, sharedLabels: shared, value, metricName, exemplar: null };
}
