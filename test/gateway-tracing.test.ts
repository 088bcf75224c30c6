// The spawned gateway's own spans: a SERVER span per request, child of the client's traceparent, and a
// CLIENT span for the upstream request, whose context is sent upstream in _meta; exported by the real
// OTLP exporter to a local OTLP/HTTP receiver.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { text } from './fixtures/upstream-helpers.js';
import { UPSTREAM, connectToGateway, spawnGateway, stopGateway } from './fixtures/gateway-spawn.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

interface ExportedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly service: string | undefined;
}

interface Export {
  readonly contentType: string;
  readonly spans: readonly ExportedSpan[];
}

// --- OTLP/JSON (the JS exporter writes ids as hex strings) ---------------------------------------------

interface JsonKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}
const jsonAttributes = (list: readonly JsonKeyValue[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, String(kv.value.stringValue ?? kv.value.intValue)]));

function decodeJson(body: Buffer): ExportedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans: {
      resource?: { attributes?: JsonKeyValue[] };
      scopeSpans: {
        spans: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          attributes?: JsonKeyValue[];
        }[];
      }[];
    }[];
  };
  return request.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: jsonAttributes(span.attributes),
        service: jsonAttributes(rs.resource?.attributes)['service.name'],
      })),
    ),
  );
}

// --- OTLP/protobuf: just enough of the wire format to read ExportTraceServiceRequest --------------------

type Field = { readonly number: number; readonly varint?: number; readonly bytes?: Buffer };

function fields(buffer: Buffer): Field[] {
  const out: Field[] = [];
  let offset = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = buffer[offset++] as number;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (offset < buffer.length) {
    const key = varint();
    const wire = key & 7;
    const number = Math.floor(key / 8);
    if (wire === 0) out.push({ number, varint: varint() });
    else if (wire === 2) {
      const length = varint();
      out.push({ number, bytes: buffer.subarray(offset, offset + length) });
      offset += length;
    } else if (wire === 1) offset += 8;
    else if (wire === 5) offset += 4;
    else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
  return out;
}

const sub = (list: Field[], number: number): Buffer[] =>
  list.filter((f) => f.number === number && f.bytes !== undefined).map((f) => f.bytes as Buffer);

function protoAttributes(list: Field[], number: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of sub(list, number).map(fields)) {
    const key = sub(kv, 1)[0]?.toString('utf8') ?? '';
    const value = fields(sub(kv, 2)[0] ?? Buffer.alloc(0));
    const string = sub(value, 1)[0];
    const int = value.find((f) => f.number === 3)?.varint;
    out[key] = string === undefined ? String(int) : string.toString('utf8');
  }
  return out;
}

function decodeProtobuf(body: Buffer): ExportedSpan[] {
  return sub(fields(body), 1).flatMap((resourceSpans) => {
    const rs = fields(resourceSpans);
    const service = protoAttributes(fields(sub(rs, 1)[0] ?? Buffer.alloc(0)), 1)['service.name'];
    return sub(rs, 2).flatMap((scopeSpans) =>
      sub(fields(scopeSpans), 2).map((raw) => {
        const span = fields(raw);
        return {
          traceId: sub(span, 1)[0]?.toString('hex') ?? '',
          spanId: sub(span, 2)[0]?.toString('hex') ?? '',
          parentSpanId: sub(span, 4)[0]?.toString('hex') ?? '',
          name: sub(span, 5)[0]?.toString('utf8') ?? '',
          kind: span.find((f) => f.number === 6)?.varint ?? 0,
          attributes: protoAttributes(span, 9),
          service,
        };
      }),
    );
  });
}

// --- the receiver ---------------------------------------------------------------------------------------

let receiver: Server;
let endpoint: string;
const exports: Export[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = request.headers['content-type'] ?? '';
      if (request.url === '/v1/traces') {
        const spans = contentType.includes('json') ? decodeJson(body) : decodeProtobuf(body);
        exports.push({ contentType, spans });
      }
      response.writeHead(200, {
        'content-type': contentType.includes('json') ? 'application/json' : contentType,
      });
      response.end(contentType.includes('json') ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  exports.length = 0;
});

const allSpans = (): ExportedSpan[] => exports.flatMap((e) => e.spans);

/** The env without any OTEL_* variable of the machine running the tests. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
  return { ...env, ...extra };
}

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
