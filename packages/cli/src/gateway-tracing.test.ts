import * as api from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mcp-middleware/core';
import {
  clientSpans,
  DEFAULT_SERVICE_NAME,
  exporterSettings,
  parseKeyValues,
  withTraceContext,
} from './gateway-tracing.js';

describe('exporterSettings', () => {
  it('is off without a tracing entry or any OTLP variable', () => {
    expect(exporterSettings({ OTEL_SERVICE_NAME: 'x' }, undefined)).toBeUndefined();
  });

  it('turns on for a tracing entry alone, with the OTLP defaults', () => {
    expect(exporterSettings({}, {})).toEqual({
      url: 'http://localhost:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      resource: { 'service.name': DEFAULT_SERVICE_NAME },
    });
  });

  it('reads the standard variables: base endpoint plus /v1/traces, protocol, headers, service and resource', () => {
    const settings = exporterSettings(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-team=search,authorization=Bearer%20abc',
        OTEL_SERVICE_NAME: 'gw',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod',
      },
      undefined,
    );
    expect(settings).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/json',
      headers: { 'x-team': 'search', authorization: 'Bearer abc' },
      resource: { 'deployment.environment': 'prod', 'service.name': 'gw' },
    });
  });

  it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is', () => {
    const settings = exporterSettings(
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' },
      undefined,
    );
    expect(settings?.url).toBe('http://c:4318/custom');
  });

  it('lets the config file win over the variables', () => {
    const settings = exporterSettings(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318',
        OTEL_SERVICE_NAME: 'env',
        OTEL_EXPORTER_OTLP_HEADERS: 'a=1',
      },
      { endpoint: 'http://file:4318', serviceName: 'file', protocol: 'http/json', headers: { b: '2' } },
    );
    expect(settings).toMatchObject({
      url: 'http://file:4318/v1/traces',
      protocol: 'http/json',
      headers: { a: '1', b: '2' },
      resource: { 'service.name': 'file' },
    });
  });

  it('stays off with OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none or type none', () => {
    expect(exporterSettings({ OTEL_SDK_DISABLED: 'true' }, {})).toBeUndefined();
    expect(exporterSettings({ OTEL_TRACES_EXPORTER: 'none' }, {})).toBeUndefined();
    expect(
      exporterSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, { type: 'none' }),
    ).toBeUndefined();
  });

  it('refuses gRPC and the console exporter, naming where the value came from', () => {
    expect(() => exporterSettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, {})).toThrow(ConfigError);
    expect(() => exporterSettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, {})).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json/,
    );
    expect(() => exporterSettings({ OTEL_TRACES_EXPORTER: 'console' }, undefined)).toThrow(
      /OTEL_TRACES_EXPORTER must be otlp or none.*"console"/,
    );
    expect(() => exporterSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://c' }, undefined)).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/,
    );
  });
});

describe('parseKeyValues', () => {
  it('skips pairs without a name or with a broken escape', () => {
    expect(parseKeyValues('=x,a=1,b=%E0%A4%A,c')).toEqual({ a: '1' });
  });
});

describe('withTraceContext', () => {
  it('returns the client meta itself while no SDK is registered', () => {
    const meta = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    expect(withTraceContext(meta)).toBe(meta);
    expect(withTraceContext(undefined)).toBeUndefined();
  });
});

describe('clientSpans', () => {
  /** Runs `call` in one client span; resolves to the span as it ended. */
  async function spanOf(call: () => Promise<unknown>): Promise<ReadableSpan> {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const run = clientSpans(api, provider.getTracer('test'));
    await run('tools/call search', { 'mcp.method.name': 'tools/call' }, call).catch(() => undefined);
    const [span] = exporter.getFinishedSpans();
    return span!;
  }

  it('ends a CLIENT span named for the request, with no error for a plain result', async () => {
    const span = await spanOf(() => Promise.resolve({ content: [] }));
    expect([span.name, span.kind, span.attributes['error.type']]).toEqual([
      'tools/call search',
      api.SpanKind.CLIENT,
      undefined,
    ]);
  });

  it('marks an isError result as tool_error without an error status', async () => {
    const span = await spanOf(() => Promise.resolve({ content: [], isError: true }));
    expect([span.attributes['error.type'], span.status.code]).toEqual([
      'tool_error',
      api.SpanStatusCode.UNSET,
    ]);
  });

  it("marks a rejection with the error's JSON-RPC code, or _OTHER without one", async () => {
    const coded = await spanOf(() => Promise.reject(Object.assign(new Error('gone'), { code: -32002 })));
    expect(coded.attributes).toMatchObject({ 'error.type': '-32002', 'rpc.response.status_code': '-32002' });
    expect(coded.status.code).toBe(api.SpanStatusCode.ERROR);
    const plain = await spanOf(() => Promise.reject(new Error('broken')));
    expect(plain.attributes['error.type']).toBe('_OTHER');
  });

  it('ends the span when the call throws before returning a promise', async () => {
    const span = await spanOf(() => {
      throw new Error('synchronous');
    });
    expect(span.attributes['error.type']).toBe('_OTHER');
  });
});
