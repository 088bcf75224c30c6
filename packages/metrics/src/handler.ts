/** metricsHandler(): serves a registry at GET /metrics, in OpenMetrics when the scraper asks for it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { redactSecrets } from '@mcp-middleware/core/redact';
import { Registry } from 'prom-client';
import { formatMetrics, type ExpositionFormat } from './exposition.js';
import { isRegistry, type AnyRegistry } from './instruments.js';

/** A `node:http` request listener (also fits Express and Connect). Never rejects. */
export type MetricsRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/**
 * The format an `Accept` header prefers: OpenMetrics when `application/openmetrics-text` has a q-value
 * above zero and at least that of the text format (`text/plain`, `text/*` or `*\/*`), else text.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept === '') return 'text';
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    let q = 1;
    for (const param of params) {
      if (param.startsWith('q=')) {
        const parsed = Number(param.slice(2));
        q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
      }
    }
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'text';
}

let warned = false;

async function render(registry: AnyRegistry, format: ExpositionFormat): Promise<string> {
  // The registry's own output when it matches; otherwise write from JSON, because switching a shared
  // registry's content type races concurrent scrapes and prom-client renames counters when it does.
  if (registry.contentType === CONTENT_TYPES[format]) return registry.metrics();
  return formatMetrics(await registry.getMetricsAsJSON(), format);
}

/**
 * Serves `registry` to Prometheus: mount it at `GET /metrics`. Answers GET and HEAD (405 otherwise),
 * picks the Prometheus text format or OpenMetrics from `Accept`, and answers 500 without detail when a
 * collector throws.
 */
export function metricsHandler(registry: AnyRegistry): MetricsRequestHandler {
  if (!isRegistry(registry)) {
    throw new ConfigError(
      'registry',
      `metricsHandler: registry must be a prom-client Registry, got ${describeValue(registry)}`,
    );
  }
  return async function metricsHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('metrics are served on GET\n');
        return;
      }
      const format = negotiateFormat(req.headers.accept);
      let body: string;
      try {
        body = await render(registry, format);
      } catch (error) {
        if (!warned) {
          warned = true;
          process.emitWarning(
            `metricsHandler: collecting metrics failed: ${redactSecrets(String(error))}`,
            'McpMiddlewareWarning',
          );
        }
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('collecting metrics failed\n');
        return;
      }
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[format],
        'Cache-Control': 'no-store',
        Vary: 'Accept',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      // The client went away mid-answer; nothing left to tell it.
    }
  };
}
