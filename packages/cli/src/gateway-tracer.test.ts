import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayTracer, describeExport } from './gateway-tracer.js';
import {
  exporterSettings,
  isPropagating,
  withTraceContext,
  type ExporterSettings,
} from './gateway-tracing.js';

interface Collector {
  readonly settings: ExporterSettings;
  readonly names: string[];
  readonly headers: IncomingHttpHeaders[];
}

// Real OTLP/JSON exports to a local server: each collector is a path prefix, so one server serves them all.
let server: Server;
let base: string;
const collectors = new Map<string, Collector>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const collector = collectors.get((request.url ?? '').split('/')[1] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
      };
      collector?.headers.push(request.headers);
      for (const rs of body.resourceSpans)
        for (const ss of rs.scopeSpans) for (const span of ss.spans) collector?.names.push(span.name);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

function collector(name: string, token: string): Collector {
  const settings = exporterSettings(
    {},
    { endpoint: `${base}/${name}`, protocol: 'http/json', headers: { authorization: `Bearer ${token}` } },
  ) as ExporterSettings;
  const made = { settings, names: [], headers: [] };
  collectors.set(name, made);
  return made;
}

async function use(tracer: GatewayTracer, settings: ExporterSettings | undefined): Promise<void> {
  await tracer.prepare(settings);
  tracer.swapTo(settings)?.();
}

const record = (name: string): void => trace.getTracer('test').startSpan(name).end();

describe('GatewayTracer', () => {
  it('swaps only when the settings change, and says where spans go without the headers', async () => {
    const tracer = new GatewayTracer(() => undefined, 60_000);
    const first = collector('same', 'secret-token');
    await use(tracer, first.settings);
    expect(tracer.differs(first.settings)).toBe(false);
    expect(tracer.swapTo({ ...first.settings })).toBeUndefined();
    expect(describeExport(first.settings)).toBe(
      `tracing: exporting spans to ${base}/same/v1/traces (http/json)`,
    );
    expect(describeExport(undefined)).toBe('tracing off');
    await tracer.shutdown();
  });

  it('sends spans ended before a swap to the old collector, and after it to the new one with its headers', async () => {
    const tracer = new GatewayTracer(() => undefined, 60_000);
    const [old, next] = [collector('old', 'first'), collector('next', 'rotated')];
    await use(tracer, old.settings);
    record('before');
    // A call in flight across the swap: its span started on the old provider ends there too.
    const inFlight = trace.getTracer('test').startSpan('in flight');
    await use(tracer, next.settings);
    record('after');
    inFlight.end();
    await tracer.shutdown();
    expect([old.names.sort(), next.names]).toEqual([['before', 'in flight'], ['after']]);
    expect(old.headers.map((h) => h.authorization)).toContain('Bearer first');
    expect(new Set(next.headers.map((h) => h.authorization))).toEqual(new Set(['Bearer rotated']));
  });

  it('turns tracing off and on again without a restart', async () => {
    const tracer = new GatewayTracer(() => undefined, 60_000);
    const [first, again] = [collector('first', 'a'), collector('again', 'b')];
    await use(tracer, first.settings);
    expect(isPropagating()).toBe(true);
    await use(tracer, undefined);
    expect([tracer.settings, isPropagating()]).toEqual([undefined, false]);
    record('while off');
    expect(withTraceContext({ traceparent: 'client' })).toEqual({ traceparent: 'client' });
    await use(tracer, again.settings);
    record('on again');
    await tracer.shutdown();
    expect([first.names, again.names]).toEqual([[], ['on again']]);
  });
});
