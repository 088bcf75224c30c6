// The spawned gateway's own spans: a SERVER span per request, child of the client's traceparent, and a
// CLIENT span for the upstream request, whose context is sent upstream in _meta; exported by the real
// OTLP exporter to a local OTLP/HTTP receiver.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';
import { text } from './fixtures/upstream-helpers.js';
import { UPSTREAM, connectToGateway, spawnGateway, stopGateway } from './fixtures/gateway-spawn.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

let receiver: OtlpReceiver;
let endpoint: string;
let exports: OtlpReceiver['exports'];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  endpoint = receiver.endpoint;
  exports = receiver.exports;
});

afterAll(() => receiver.close());

beforeEach(() => {
  exports.length = 0;
});

const allSpans = (): ReturnType<OtlpReceiver['spans']> => receiver.spans();

/** Calls the fixture's `meta` tool with the client's traceparent; returns the `_meta` the upstream received. */
async function callWithTraceparent(
  gateway: ReturnType<typeof spawnGateway>,
): Promise<Record<string, string>> {
  const client = await connectToGateway(gateway);
  const result = await client.callTool({
    name: 'meta',
    arguments: {},
    _meta: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01` },
  });
  expect(await stopGateway(gateway, client)).toBe(0);
  return JSON.parse(text(result)) as Record<string, string>;
}

describe('the gateway traces each request', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-tracing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports its SERVER span, child of the client, over OTLP/JSON set in the config, and sends its own context upstream', async () => {
    const config = join(dir, 'traced.yaml');
    writeFileSync(
      config,
      [
        'pipeline:',
        '  - tracing:',
        `      exporter: { endpoint: '${endpoint}', protocol: http/json, serviceName: traced-gateway }`,
        '',
      ].join('\n'),
    );
    const gateway = spawnGateway(['proxy', '--config', config, '--', ...UPSTREAM], cleanEnv({}));
    const upstreamMeta = await callWithTraceparent(gateway);
    expect(gateway.stderr()).toContain(`tracing: exporting spans to ${endpoint}/v1/traces (http/json)`);

    const [traceId, spanId] = (upstreamMeta['traceparent'] ?? '').split('-').slice(1);
    expect(traceId).toBe(TRACE_ID);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(CLIENT_SPAN_ID);

    expect(exports.every((e) => e.contentType.includes('application/json'))).toBe(true);
    const span = allSpans().find((s) => s.name === 'tools/call meta' && s.kind === SPAN_KIND_SERVER);
    expect(span).toMatchObject({
      traceId: TRACE_ID,
      parentSpanId: CLIENT_SPAN_ID,
      service: 'traced-gateway',
    });
    // The upstream request is the gateway's CLIENT span, child of its SERVER span: its context went upstream.
    const hop = allSpans().find((s) => s.name === 'tools/call meta' && s.kind === SPAN_KIND_CLIENT);
    expect(hop).toMatchObject({ traceId: TRACE_ID, spanId, parentSpanId: span?.spanId });
    expect(hop?.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'meta' });
    expect(span?.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'meta',
      'gen_ai.operation.name': 'execute_tool',
      'network.transport': 'pipe',
    });
  });

  it('traces from the OTEL_* variables alone (no config file), over OTLP/protobuf by default', async () => {
    const gateway = spawnGateway(
      ['proxy', '--', ...UPSTREAM],
      cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'env-gateway' }),
    );
    const upstreamMeta = await callWithTraceparent(gateway);
    const spanId = (upstreamMeta['traceparent'] ?? '').split('-')[2];
    expect(exports.length).toBeGreaterThan(0);
    expect(exports.every((e) => e.contentType === 'application/x-protobuf')).toBe(true);
    const span = allSpans().find((s) => s.name === 'tools/call meta' && s.kind === SPAN_KIND_SERVER);
    expect(span).toMatchObject({ traceId: TRACE_ID, parentSpanId: CLIENT_SPAN_ID, service: 'env-gateway' });
    const hop = allSpans().find((s) => s.name === 'tools/call meta' && s.kind === SPAN_KIND_CLIENT);
    expect(hop).toMatchObject({ traceId: TRACE_ID, spanId, parentSpanId: span?.spanId });
    expect(span?.attributes['mcp.method.name']).toBe('tools/call');
  });

  it('without tracing configured, registers no SDK and forwards the client traceparent unchanged', async () => {
    const gateway = spawnGateway(['proxy', '--', ...UPSTREAM], cleanEnv({}));
    const upstreamMeta = await callWithTraceparent(gateway);
    expect(upstreamMeta['traceparent']).toBe(`00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`);
    expect(gateway.stderr()).not.toContain('tracing:');
    expect(exports).toEqual([]);
  });

  it('keeps serving when the collector cannot be reached, and says so on stderr', async () => {
    const gateway = spawnGateway(
      ['proxy', '--', ...UPSTREAM],
      cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' }),
    );
    const upstreamMeta = await callWithTraceparent(gateway);
    expect(upstreamMeta['traceparent']).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(gateway.stderr()).toMatch(/mcp-middleware: tracing: .*ECONNREFUSED/);
  });

  it('refuses an exporter protocol it does not have, with exit code 2 and the variable named', async () => {
    const gateway = spawnGateway(
      ['proxy', '--', ...UPSTREAM],
      cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    );
    expect(await gateway.exit).toBe(2);
    expect(gateway.stderr()).toMatch(
      /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json.*"grpc"/,
    );
  });
});
