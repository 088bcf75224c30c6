/** createGateway's options: the interface, and the one place they are checked and defaulted. */
import { ConfigError, readOptions, type Pipeline, type RunnerOptions } from '@mcp-middleware/core';
import { describeValue } from '@mcp-middleware/core/helpers';
import { Registry } from 'prom-client';
import { readHttpTimeouts, type HttpTimeouts } from './http-timeouts.js';
import type { UpstreamSpec } from './upstream.js';

/** How the gateway restarts (stdio) or reconnects to (HTTP) an upstream that went away. */
export interface RestartOptions {
  /** Connection attempts per outage before the gateway gives up and stops. @default 5 */
  readonly maxAttempts?: number;
  /** Wait before the first attempt; doubles per attempt. @default 500 */
  readonly delayMs?: number;
  /** Longest wait between attempts. @default 10000 */
  readonly maxDelayMs?: number;
}

/** Something the gateway did that an operator may want to see (the CLI prints these on stderr). */
export type GatewayEvent =
  | {
      readonly type: 'upstream-connected';
      readonly server: string;
      readonly tools: number;
      readonly restart: boolean;
    }
  | { readonly type: 'upstream-lost'; readonly reason: string; readonly inFlight: number }
  | { readonly type: 'upstream-restarting'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'upstream-restart-failed'; readonly attempt: number; readonly reason: string }
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'draining'; readonly inFlight: number }
  | { readonly type: 'drain-timeout'; readonly inFlight: number }
  | { readonly type: 'closed' }
  | {
      /** A reload's new front door checked what the old one admitted; it closed those it refuses. */
      readonly type: 'streams-rechecked';
      readonly open: number;
      readonly closedStreams: number;
      readonly closedSessions: number;
    }
  | { readonly type: 'warning'; readonly message: string };

/** Options of `createGateway`. */
export interface GatewayOptions {
  /** The server to front: `{ command, args?, env?, cwd? }` (stdio) or `{ url, headers? }` (Streamable HTTP). */
  readonly upstream: UpstreamSpec;
  /** Runs around every `tools/call`, outermost first. @default [] (pass-through) */
  readonly pipeline?: Pipeline | undefined;
  /**
   * Where clients connect: `"stdio"`, or an `http://host:port/path` URL (Streamable HTTP on that path, plus
   * /healthz, /readyz and /metrics). Omit it to attach transports yourself with `gateway.connect()`.
   * @default undefined
   */
  readonly listen?: string | URL | undefined;
  /** Where `/metrics` reads from; pass yours so a metrics middleware in the pipeline shares it. @default a new Registry */
  readonly registry?: Registry | undefined;
  /** Restart (stdio) or reconnect (HTTP) a lost upstream instead of stopping. @default false */
  readonly restart?: boolean | RestartOptions | undefined;
  /** On close, how long calls in flight may take before they are cancelled. @default 10000 */
  readonly drainTimeoutMs?: number | undefined;
  /** Bound on starting the upstream and the MCP handshake. @default 10000 */
  readonly connectTimeoutMs?: number | undefined;
  /** Bound on each request to the upstream (reset by progress); use `timeout()` for per-tool deadlines. @default 60000 */
  readonly requestTimeoutMs?: number | undefined;
  /** HTTP mode: hostnames accepted in `Host` and `Origin`. @default loopback names when bound to loopback, else any */
  readonly allowedHosts?: readonly string[] | undefined;
  /** HTTP mode: largest accepted request body. @default 4194304 (4 MiB) */
  readonly maxBodyBytes?: number | undefined;
  /**
   * HTTP mode: how long an idle kept-alive connection stays open. Keep it above the idle timeout of a load
   * balancer in front (60 s on AWS ALB), or it may reuse a connection the gateway is closing (a 502).
   * @default 65000
   */
  readonly keepAliveTimeoutMs?: number | undefined;
  /** HTTP mode: how long a client may take to send a request's headers; above keepAliveTimeoutMs. @default keepAliveTimeoutMs + 1000 */
  readonly headersTimeoutMs?: number | undefined;
  /**
   * HTTP mode: how long a client may take to send a whole request (headers and body); 0 for no bound. It
   * never ends a response that streams (SSE). @default 300000, or headersTimeoutMs when that is longer
   */
  readonly receiveTimeoutMs?: number | undefined;
  /**
   * HTTP mode: the `auth` options of the pipeline (as a config file writes them). With `apiKeys` or `jwt`, a
   * request without a valid credential is answered 401 with a Bearer challenge before MCP dispatch, and
   * the protected-resource metadata is served. @default undefined (credentials are the pipeline's to check)
   */
  readonly auth?: Readonly<Record<string, unknown>> | undefined;
  /** The runner's clock, event channel (subscribe to middleware events) and debug checks. @default {} */
  readonly runner?: RunnerOptions | undefined;
  /** Receives what the gateway does (connected, lost, restarting, draining, …). @default none */
  readonly onEvent?: ((event: GatewayEvent) => void) | undefined;
}

/** Options after checking, every default applied. */
export interface ResolvedOptions {
  readonly upstream: UpstreamSpec;
  readonly pipeline: Pipeline;
  readonly listen: 'stdio' | URL | undefined;
  readonly registry: Registry;
  readonly restart: Required<RestartOptions> | undefined;
  readonly drainTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly allowedHosts: readonly string[] | undefined;
  readonly maxBodyBytes: number;
  readonly httpTimeouts: HttpTimeouts;
  readonly auth: Readonly<Record<string, unknown>> | undefined;
  readonly runner: RunnerOptions;
  readonly onEvent: (event: GatewayEvent) => void;
}

const KNOWN = [
  'upstream',
  'pipeline',
  'listen',
  'registry',
  'restart',
  'drainTimeoutMs',
  'connectTimeoutMs',
  'requestTimeoutMs',
  'allowedHosts',
  'maxBodyBytes',
  'keepAliveTimeoutMs',
  'headersTimeoutMs',
  'receiveTimeoutMs',
  'auth',
  'runner',
  'onEvent',
];
const FACTORY = 'createGateway';

function readAuth(value: unknown): Readonly<Record<string, unknown>> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      'auth',
      `${FACTORY}: auth must be the auth options of a config file, got ${typeof value}`,
    );
  }
  return value as Readonly<Record<string, unknown>>;
}

function readUpstream(value: unknown): UpstreamSpec {
  if (typeof value !== 'object' || value === null) {
    throw new ConfigError(
      'upstream',
      `${FACTORY}: upstream must be { command, args? } or { url }, got ${typeof value}`,
    );
  }
  if ('url' in value) {
    const reader = readOptions(FACTORY, value, ['url', 'headers'], 'upstream.');
    const url = reader.raw('url');
    if (!(url instanceof URL)) reader.string('url');
    const parsed = URL.canParse(String(url)) ? new URL(String(url)) : undefined;
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      reader.fail('url', 'an http:// or https:// URL');
    }
    const headers = reader.raw('headers');
    if (
      headers !== undefined &&
      (typeof headers !== 'object' ||
        headers === null ||
        !Object.values(headers).every((h) => typeof h === 'string'))
    ) {
      reader.fail('headers', 'an object of header names to string values');
    }
    return value as UpstreamSpec;
  }
  const reader = readOptions(
    FACTORY,
    value,
    ['command', 'args', 'env', 'inheritEnv', 'cwd', 'stderr'],
    'upstream.',
  );
  if (reader.string('command') === undefined)
    reader.fail('command', 'a non-empty string (or pass `url` for an HTTP upstream)');
  const args = reader.raw('args');
  if (args !== undefined && (!Array.isArray(args) || !args.every((a) => typeof a === 'string'))) {
    reader.fail('args', 'an array of strings');
  }
  const inheritEnv = reader.raw('inheritEnv');
  if (
    inheritEnv !== undefined &&
    (!Array.isArray(inheritEnv) || !inheritEnv.every((a) => typeof a === 'string'))
  ) {
    reader.fail('inheritEnv', 'an array of variable names (a trailing * matches a prefix)');
  }
  reader.string('cwd');
  reader.oneOf('stderr', ['inherit', 'ignore'], 'inherit');
  return value as UpstreamSpec;
}

function readListen(value: unknown): 'stdio' | URL | undefined {
  if (value === undefined || value === 'stdio') return value;
  const url =
    value instanceof URL
      ? value
      : typeof value === 'string' && URL.canParse(value)
        ? new URL(value)
        : undefined;
  if (url?.protocol !== 'http:') {
    throw new ConfigError(
      'listen',
      `${FACTORY}: listen must be "stdio" or an http:// URL such as http://127.0.0.1:8080/mcp, got ${typeof value === 'string' ? JSON.stringify(value) : describeValue(value)}`,
    );
  }
  return url;
}

/** Checks `options` once, when the gateway is created; throws a ConfigError naming the bad option. */
export function resolveOptions(options: GatewayOptions): ResolvedOptions {
  const reader = readOptions(FACTORY, options, KNOWN);
  const upstream = readUpstream(reader.raw('upstream'));
  let restart: Required<RestartOptions> | undefined;
  const rawRestart = reader.raw('restart');
  if (rawRestart === true || (typeof rawRestart === 'object' && rawRestart !== null)) {
    const r = readOptions(
      FACTORY,
      rawRestart === true ? {} : rawRestart,
      ['maxAttempts', 'delayMs', 'maxDelayMs'],
      'restart.',
    );
    restart = {
      maxAttempts: r.integer('maxAttempts', { min: 1, default: 5 }),
      delayMs: r.integer('delayMs', { min: 0, default: 500 }),
      maxDelayMs: r.integer('maxDelayMs', { min: 0, default: 10_000 }),
    };
  } else if (rawRestart !== undefined && rawRestart !== false) {
    reader.fail('restart', 'true, false or { maxAttempts?, delayMs?, maxDelayMs? }');
  }
  const registry = reader.raw('registry') ?? new Registry();
  if (typeof (registry as Registry).metrics !== 'function') reader.fail('registry', 'a prom-client Registry');
  const allowedHosts = reader.raw('allowedHosts');
  if (
    allowedHosts !== undefined &&
    (!Array.isArray(allowedHosts) || !allowedHosts.every((h) => typeof h === 'string'))
  ) {
    reader.fail('allowedHosts', 'an array of hostnames');
  }
  const runner = reader.raw('runner') ?? {};
  if (typeof runner !== 'object' || runner === null) reader.fail('runner', '{ clock?, events?, debug? }');
  const pipeline = (reader.raw('pipeline') ?? []) as Pipeline;
  const onEvent = reader.function<(event: GatewayEvent) => void>('onEvent');
  return {
    upstream,
    pipeline,
    listen: readListen(reader.raw('listen')),
    registry: registry as Registry,
    restart,
    drainTimeoutMs: reader.integer('drainTimeoutMs', { min: 0, default: 10_000 }),
    connectTimeoutMs: reader.integer('connectTimeoutMs', { min: 1, default: 10_000 }),
    requestTimeoutMs: reader.integer('requestTimeoutMs', { min: 1, max: 2_147_483_647, default: 60_000 }),
    allowedHosts: allowedHosts as readonly string[] | undefined,
    maxBodyBytes: reader.integer('maxBodyBytes', { min: 1, default: 4 * 1024 * 1024 }),
    httpTimeouts: readHttpTimeouts(reader),
    auth: readAuth(reader.raw('auth')),
    runner,
    onEvent: onEvent ?? (() => undefined),
  };
}
