/**
 * How a 2026-07-28 client's request reaches a 2025-11-25 upstream: without the 2026 envelope and the MRTR
 * fields, which mean nothing to it. A `tools/call`, `prompts/get` or `resources/read` whose client declared
 * sampling, elicitation or roots goes to the MRTR bridge (mrtr-bridge.ts) on an HTTP upstream, which turns
 * what the upstream asks into `input_required`; everything else, and a call the bridge declines (its cap is
 * reached), runs on the gateway's shared 2025 connection, where an upstream question gets a clear error.
 */
import { ResultSchema, type Implementation } from '@modelcontextprotocol/sdk/types.js';
import { BRIDGED_METHODS } from './bridge-binding.js';
import { legacyTaskRequest, modernHandle } from './legacy-tasks.js';
import { isTaskMethod } from './modern-tasks.js';
import type { ForwardOptions } from './modern-upstream.js';
import { bridgedCapabilities, MrtrBridge, type BridgeRound } from './mrtr-bridge.js';
import { connectUpstream, isHttpUpstream, type UpstreamConnection, type UpstreamSpec } from './upstream.js';

/** The 2026-07-28 envelope keys a client puts in every request's `_meta`. */
export const ENVELOPE_PREFIX = 'io.modelcontextprotocol/';
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';

/** What the 2025 route needs from the gateway. */
export interface LegacyForwardHost {
  readonly spec: UpstreamSpec;
  readonly clientInfo: Implementation;
  readonly connectTimeoutMs: number;
  /** The gateway's 2025-11-25 connection, or undefined while the upstream is down. */
  legacy(): UpstreamConnection | undefined;
  /** Runs a request on the 2025 connection, counted so its traffic is never taken for a session's. */
  readonly track?: (<T>(work: () => Promise<T>) => Promise<T>) | undefined;
}

/** Strips the 2026 envelope from `_meta` (for a 2025 upstream, which would take it for application data). */
export function withoutEnvelope(
  meta: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  if (meta === undefined) return undefined;
  const rest = Object.fromEntries(Object.entries(meta).filter(([key]) => !key.startsWith(ENVELOPE_PREFIX)));
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/** `params` with `meta` as its `_meta` (none when `meta` is undefined). */
export function paramsWithMeta(
  params: Readonly<Record<string, unknown>> | undefined,
  meta: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const { _meta: _dropped, ...rest } = params ?? {};
  return meta === undefined ? rest : { ...rest, _meta: meta };
}

/** Params for a 2025 upstream: no envelope, and no MRTR fields, which mean nothing to it. */
function legacyParams(
  params: Readonly<Record<string, unknown>> | undefined,
  meta: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const sent = withoutEnvelope(meta);
  if (params?.['inputResponses'] === undefined && params?.['requestState'] === undefined) {
    return paramsWithMeta(params, sent);
  }
  const { inputResponses: _responses, requestState: _state, ...rest } = params;
  return paramsWithMeta(rest, sent);
}

/** Forwards 2026-era requests to a 2025-11-25 upstream: on the MRTR bridge, or the shared connection. */
export class LegacyForward {
  readonly #host: LegacyForwardHost;
  readonly #bridge: MrtrBridge;

  constructor(host: LegacyForwardHost) {
    this.#host = host;
    this.#bridge = new MrtrBridge((capabilities) =>
      connectUpstream(host.spec, {
        clientInfo: host.clientInfo,
        capabilities,
        connectTimeoutMs: host.connectTimeoutMs,
        probeTimeoutMs: host.connectTimeoutMs,
      }),
    );
  }

  /** Cancels the calls held for input. */
  close(): Promise<void> {
    return this.#bridge.close();
  }

  /** Sends one request to the 2025 upstream; `meta` is the client's `_meta`, envelope included. */
  async forward(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    meta: Record<string, unknown> | undefined,
    options: ForwardOptions,
  ): Promise<Record<string, unknown>> {
    // A call that creates a 2025 task runs on the shared connection, where its task stays reachable.
    const bridged =
      BRIDGED_METHODS.has(method) && params?.['task'] === undefined
        ? this.#bridged(method, params, meta, options)
        : undefined;
    if (bridged !== undefined) return bridged;
    const connection = this.#host.legacy();
    if (connection === undefined) {
      throw Object.assign(new Error('the upstream MCP server is unavailable; retry shortly'), {
        code: -32603,
      });
    }
    const track = this.#host.track ?? (<T>(work: () => Promise<T>): Promise<T> => work());
    if (isTaskMethod(method)) {
      const taskId = String(params?.['taskId']);
      const asked = { signal: options.signal, timeout: options.timeoutMs };
      return await track(() => legacyTaskRequest(connection.client, method, taskId, asked));
    }
    const result = await track(() =>
      connection.client.request({ method, params: legacyParams(params, meta) }, ResultSchema, {
        signal: options.signal,
        timeout: options.timeoutMs,
        ...(options.onprogress !== undefined && {
          onprogress: options.onprogress as never,
          resetTimeoutOnProgress: true,
        }),
      }),
    );
    return params?.['task'] === undefined ? result : (modernHandle(result) ?? result);
  }

  /**
   * A request for the MRTR bridge (BRIDGED_METHODS): a retry with `requestState`, or one whose client can be
   * asked; undefined for the shared connection (nothing to ask, a stdio upstream, or the bridge is full).
   */
  #bridged(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    meta: Record<string, unknown> | undefined,
    round: BridgeRound,
  ): Promise<Record<string, unknown>> | undefined {
    const requestState = params?.['requestState'];
    if (requestState !== undefined)
      return this.#bridge.resume(method, params as Record<string, unknown>, round);
    // Only an HTTP upstream gives each call a session of its own, so what it asks is this call's.
    const { spec } = this.#host;
    const asks = isHttpUpstream(spec) ? bridgedCapabilities(meta?.[CLIENT_CAPABILITIES_KEY]) : undefined;
    return asks === undefined
      ? undefined
      : this.#bridge.start(method, legacyParams(params, meta), asks, round);
  }
}
