/**
 * Where the gateway's spans go (OTLP over HTTP), read from the config's `tracing` entry (`exporter:`) and the
 * standard `OTEL_*` variables, and the trace context of what it forwards upstream. The SDK's life (registered
 * globally so `tracing()` records, swapped on reload) is gateway-tracer.ts.
 */
import type * as OtelApi from '@opentelemetry/api';
import { ConfigError } from '@mcp-middleware/core';

/** `exporter:` under the gateway config's `tracing` entry; every field falls back to its `OTEL_*` variable. */
export interface ExporterOptions {
  /** `otlp` sends spans, `none` records nothing. @default OTEL_TRACES_EXPORTER, else "otlp" */
  readonly type?: 'otlp' | 'none' | undefined;
  /** The collector's base URL; `/v1/traces` is appended. @default OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318 */
  readonly endpoint?: string | undefined;
  /** @default OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL, else "http/protobuf" */
  readonly protocol?: 'http/protobuf' | 'http/json' | undefined;
  /** Sent with every export, over OTEL_EXPORTER_OTLP_HEADERS. @default {} */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The `service.name` resource attribute. @default OTEL_SERVICE_NAME, else "mcp-middleware-gateway" */
  readonly serviceName?: string | undefined;
}

/** Where the gateway's spans go, every default applied. */
export interface ExporterSettings {
  /** The full traces URL (…/v1/traces). */
  readonly url: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly headers: Readonly<Record<string, string>>;
  readonly resource: Readonly<Record<string, string>>;
}

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const DEFAULT_ENDPOINT = 'http://localhost:4318';
export const DEFAULT_SERVICE_NAME = 'mcp-middleware-gateway';

/** `k=v,k2=v2` (values percent-encoded), as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES write it. */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const equals = pair.indexOf('=');
    if (equals < 1) continue;
    try {
      out[decodeURIComponent(pair.slice(0, equals).trim())] = decodeURIComponent(
        pair.slice(equals + 1).trim(),
      );
    } catch {
      // A malformed escape: the pair is skipped, as the SDK does.
    }
  }
  return out;
}

const present = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

function fail(name: string, message: string): never {
  throw new ConfigError(name, `mcp-middleware: ${name} ${message}`);
}

/**
 * The exporter the gateway should run, or undefined for none. Tracing is on when the config has a `tracing`
 * entry (`file` is then its `exporter:`, possibly empty) or an OTLP variable is set; OTEL_SDK_DISABLED=true
 * and `none` turn it off. Throws a ConfigError for a protocol or URL the gateway cannot use.
 */
export function exporterSettings(
  env: NodeJS.ProcessEnv,
  file: ExporterOptions | undefined,
): ExporterSettings | undefined {
  if (present(env['OTEL_SDK_DISABLED'])?.toLowerCase() === 'true') return undefined;
  const envExporter = present(env['OTEL_TRACES_EXPORTER'])?.toLowerCase();
  const tracesEndpoint = present(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  const baseEndpoint = present(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const asked =
    file !== undefined ||
    envExporter !== undefined ||
    tracesEndpoint !== undefined ||
    baseEndpoint !== undefined;
  const type = file?.type ?? envExporter ?? 'otlp';
  if (!asked || type === 'none') return undefined;
  if (type !== 'otlp') {
    fail(
      file?.type === undefined ? 'OTEL_TRACES_EXPORTER' : 'tracing.exporter.type',
      `must be otlp or none for the gateway, got "${type}" (stdout carries JSON-RPC, so no console exporter)`,
    );
  }
  const protocol =
    file?.protocol ??
    present(env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']) ??
    present(env['OTEL_EXPORTER_OTLP_PROTOCOL']) ??
    'http/protobuf';
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    fail(
      file?.protocol === undefined ? 'OTEL_EXPORTER_OTLP_PROTOCOL' : 'tracing.exporter.protocol',
      `must be http/protobuf or http/json (the gateway has no gRPC exporter), got "${protocol}"`,
    );
  }
  const base =
    file?.endpoint ?? (tracesEndpoint === undefined ? (baseEndpoint ?? DEFAULT_ENDPOINT) : undefined);
  const url = base === undefined ? (tracesEndpoint as string) : `${base.replace(/\/+$/, '')}/v1/traces`;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    fail(
      file?.endpoint === undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : 'tracing.exporter.endpoint',
      `must be an http(s) URL, got "${url}"`,
    );
  }
  const resource = parseKeyValues(env['OTEL_RESOURCE_ATTRIBUTES']);
  resource['service.name'] =
    file?.serviceName ??
    present(env['OTEL_SERVICE_NAME']) ??
    resource['service.name'] ??
    DEFAULT_SERVICE_NAME;
  return {
    url,
    protocol: protocol as ExporterSettings['protocol'],
    headers: {
      ...parseKeyValues(env['OTEL_EXPORTER_OTLP_HEADERS']),
      ...parseKeyValues(env['OTEL_EXPORTER_OTLP_TRACES_HEADERS']),
      ...file?.headers,
    },
    resource,
  };
}

let inject: ((carrier: Record<string, unknown>) => void) | undefined;
/** Runs `call` inside a new CLIENT span named `name`, current while `call` runs. */
type ClientSpan = (
  name: string,
  attributes: Record<string, string>,
  call: () => Promise<unknown>,
) => Promise<unknown>;

let clientSpan: ClientSpan | undefined;

/** True once the gateway registered an SDK: forwarded requests then carry the gateway's own trace context. */
export function isPropagating(): boolean {
  return inject !== undefined;
}

/**
 * Where forwarded requests take their trace context and CLIENT spans from: the tracer the gateway registered
 * (see gateway-tracer.ts), or none (the client's `_meta` then goes upstream unchanged).
 */
export function propagateWith(
  through: { readonly api: typeof OtelApi; readonly tracer: OtelApi.Tracer } | undefined,
): void {
  if (through === undefined) {
    inject = undefined;
    clientSpan = undefined;
    return;
  }
  const { api, tracer } = through;
  inject = (carrier) => api.propagation.inject(api.context.active(), carrier);
  clientSpan = clientSpans(api, tracer);
}

/**
 * `meta` with the active trace context written over the client's (`traceparent`, `tracestate`, `baggage`),
 * so the upstream's spans are children of the gateway's; `meta` itself while no SDK is registered.
 */
export function withTraceContext<M extends Record<string, unknown>>(meta: M | undefined): M | undefined {
  if (inject === undefined) return meta;
  const carrier: Record<string, unknown> = { ...meta };
  inject(carrier);
  return Object.keys(carrier).length === 0 ? undefined : (carrier as M);
}

// An exporter that cannot reach its collector reports through OpenTelemetry's diag logger, which is silent
// by default: the first few errors reach stderr, so a wrong endpoint is seen, and a dead collector never floods it.
const MAX_REPORTED = 3;
export function exportProblems(warn: (message: string) => void): OtelApi.DiagLogger {
  let reported = 0;
  const ignore = (): void => undefined;
  return {
    error(message, ...args) {
      if (reported >= MAX_REPORTED) return;
      reported++;
      const detail = args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ');
      warn(
        `tracing: ${message}${detail === '' ? '' : ` ${detail}`}${reported === MAX_REPORTED ? ' (further tracing errors are not shown)' : ''}`,
      );
    },
    warn: ignore,
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}

/**
 * The CLIENT spans of `tracer` around upstream requests, current while the request runs so its context is
 * what goes upstream: an `isError` result sets `error.type` tool_error; a rejection sets the error status and
 * `error.type` (with `rpc.response.status_code`) to its JSON-RPC code, or `_OTHER` without one.
 */
export function clientSpans(api: typeof OtelApi, tracer: OtelApi.Tracer): ClientSpan {
  return (name, attributes, call) => {
    const span = tracer.startSpan(name, { kind: api.SpanKind.CLIENT, attributes });
    const ended = <T>(result: T): T => {
      if ((result as { isError?: unknown } | undefined)?.isError === true)
        span.setAttribute('error.type', 'tool_error');
      span.end();
      return result;
    };
    let pending: Promise<unknown>;
    try {
      pending = api.context.with(api.trace.setSpan(api.context.active(), span), call);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(ended, (error: unknown) => {
      const code = (error as { code?: unknown } | undefined)?.code;
      span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.setAttribute('error.type', typeof code === 'number' ? String(code) : '_OTHER');
      if (typeof code === 'number') span.setAttribute('rpc.response.status_code', String(code));
      span.end();
      throw error;
    });
  };
}

/**
 * Runs `call` (one request to the upstream) inside the gateway's CLIENT span for it, `{method} {target}` with
 * `mcp.method.name` and `gen_ai.tool.name`, so the context sent upstream is that span's; just `call()` while
 * no SDK is registered.
 */
export function upstreamCall<T>(method: string, target: string, call: () => Promise<T>): Promise<T> {
  if (clientSpan === undefined) return call();
  return clientSpan(
    `${method} ${target}`,
    { 'mcp.method.name': method, 'gen_ai.tool.name': target },
    call,
  ) as Promise<T>;
}
