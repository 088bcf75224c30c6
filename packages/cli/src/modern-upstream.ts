/**
 * The upstream side of a 2026-07-28 request: which revision the upstream speaks, and how one request is
 * forwarded in it. An HTTP upstream that answers `server/discover` with 2026-07-28 is spoken to in
 * 2026-07-28, one SDK v2 client per request (adopting the discover result, so no extra round trip), which
 * keeps every log and progress notification on the request that caused it. Any other upstream (a 1.x
 * server, a stdio child) gets the request on the gateway's 2025-11-25 connection: the era mismatch the
 * cli README describes.
 */
import { Client, StreamableHTTPClientTransport, type DiscoverResult } from '@modelcontextprotocol/client';
import { ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import {
  fetchWithoutListenerWarnings,
  isHttpUpstream,
  type UpstreamConnection,
  type UpstreamSpec,
} from './upstream.js';

/** The revision the gateway speaks with its upstream for 2026-07-28 clients. */
export type UpstreamEra = 'modern' | 'legacy';

/** The 2026-07-28 envelope keys a client puts in every request's `_meta`. */
export const ENVELOPE_PREFIX = 'io.modelcontextprotocol/';
const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

/** What one forwarded request may hear before its result. */
export interface ForwardOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Progress of the upstream's work, if the client asked for it (the client's token is put back by the caller). */
  readonly onprogress?:
    ((progress: { progress: number; total?: number; message?: string }) => void) | undefined;
  /** A notification the upstream sent on this request's stream (logs). */
  readonly onnotification?: ((notification: { method: string; params?: unknown }) => void) | undefined;
}

/** What the modern upstream needs from the gateway. */
export interface ModernUpstreamHost {
  readonly spec: UpstreamSpec;
  readonly clientInfo: Implementation;
  /** The gateway's 2025-11-25 connection, or undefined while the upstream is down. */
  legacy(): UpstreamConnection | undefined;
  readonly connectTimeoutMs: number;
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

function withoutMeta(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { _meta: _dropped, ...rest } = params;
  return rest;
}

function paramsWithMeta(
  params: Readonly<Record<string, unknown>> | undefined,
  meta: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const { _meta: _dropped, ...rest } = params ?? {};
  return meta === undefined ? rest : { ...rest, _meta: meta };
}

/** A change the upstream announced on its `subscriptions/listen` stream: a list, or one resource's content. */
export type UpstreamChange = 'tools' | 'prompts' | 'resources' | { readonly updated: string };

const CHANGES: Readonly<Record<string, UpstreamChange>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};
const RELISTEN_MS = 1000;
// Resource URIs the gateway listens for upstream on its clients' behalf; beyond this, new ones are ignored.
const MAX_RESOURCE_SUBSCRIPTIONS = 1000;

/** Decides the upstream's revision once per upstream connection and forwards 2026-era requests in it. */
export class ModernUpstream {
  readonly #host: ModernUpstreamHost;
  #verdict: Promise<DiscoverResult | undefined> | undefined;
  #watching: { close(): Promise<void> } | undefined;
  #onChange: ((change: UpstreamChange) => void) | undefined;
  readonly #resources = new Set<string>();
  #closed = false;

  constructor(host: ModernUpstreamHost) {
    this.#host = host;
  }

  /** Forget the verdict (the upstream restarted: it may be another version now). */
  reset(): void {
    this.#verdict = undefined;
  }

  /**
   * Holds one `subscriptions/listen` stream open on a 2026-07-28 upstream (list changes of every kind) and
   * reports what it hears, so the gateway's own listen streams hear it too. Re-listens when the stream
   * drops. Nothing to do for a 2025 upstream: its list changes arrive on the 2025 connection.
   */
  async watch(onChange: (change: UpstreamChange) => void): Promise<void> {
    this.#onChange = onChange;
    const { spec } = this.#host;
    const discover = await this.#discover();
    if (discover === undefined || !isHttpUpstream(spec) || this.#closed) return;
    const client = new Client(this.#host.clientInfo, { versionNegotiation: { mode: 'auto' } });
    client.fallbackNotificationHandler = (notification) => {
      const change = CHANGES[notification.method];
      if (change !== undefined) onChange(change);
      const uri = (notification.params as { uri?: unknown } | undefined)?.uri;
      if (notification.method === 'notifications/resources/updated' && typeof uri === 'string') {
        onChange({ updated: uri });
      }
      return Promise.resolve();
    };
    try {
      await client.connect(this.#transport(spec.url, spec.headers), { prior: { kind: 'modern', discover } });
      const resources = [...this.#resources];
      const subscription = await client.listen(
        {
          toolsListChanged: true,
          promptsListChanged: true,
          resourcesListChanged: true,
          ...(resources.length > 0 && { resourceSubscriptions: resources }),
        },
        { timeout: this.#host.connectTimeoutMs },
      );
      this.#watching = {
        close: async () => {
          await subscription.close().catch(() => undefined);
          await client.close().catch(() => undefined);
        },
      };
      void subscription.closed.then(async (how) => {
        await client.close().catch(() => undefined);
        if (how !== 'local' && !this.#closed) this.#relisten(onChange);
      });
    } catch {
      await client.close().catch(() => undefined);
      if (!this.#closed) this.#relisten(onChange);
    }
  }

  /**
   * Makes the upstream listen stream cover `uris` too (a client at the gateway listens for their updates);
   * the stream is opened again when the set grows.
   */
  listenFor(uris: readonly string[]): void {
    const before = this.#resources.size;
    for (const uri of uris) {
      if (this.#resources.size >= MAX_RESOURCE_SUBSCRIPTIONS) break;
      this.#resources.add(uri);
    }
    const onChange = this.#onChange;
    if (this.#resources.size === before || onChange === undefined || this.#closed) return;
    const previous = this.#watching;
    this.#watching = undefined;
    void (async () => {
      await this.watch(onChange);
      await previous?.close();
    })();
  }

  #relisten(onChange: (change: UpstreamChange) => void): void {
    const timer = setTimeout(() => void this.watch(onChange), RELISTEN_MS);
    timer.unref();
  }

  /** Closes the listen stream; no more re-listening. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#watching?.close();
  }

  /** The revision the upstream speaks with the gateway's 2026-07-28 clients. */
  async era(): Promise<UpstreamEra> {
    return (await this.#discover()) === undefined ? 'legacy' : 'modern';
  }

  #discover(): Promise<DiscoverResult | undefined> {
    const { spec } = this.#host;
    if (!isHttpUpstream(spec)) return Promise.resolve(undefined);
    const verdict = (this.#verdict ??= this.#probe(spec.url, spec.headers).catch(() => {
      // A probe that failed (network) decides nothing: the next request probes again.
      if (this.#verdict === verdict) this.#verdict = undefined;
      return undefined;
    }));
    return verdict;
  }

  async #probe(
    url: string | URL,
    headers: Readonly<Record<string, string>> | undefined,
  ): Promise<DiscoverResult | undefined> {
    const client = new Client(this.#host.clientInfo, { versionNegotiation: { mode: 'auto' } });
    try {
      await client.connect(this.#transport(url, headers), { timeout: this.#host.connectTimeoutMs });
      return client.getProtocolEra() === 'modern' ? client.getDiscoverResult() : undefined;
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  #transport(
    url: string | URL,
    headers: Readonly<Record<string, string>> | undefined,
  ): StreamableHTTPClientTransport {
    return new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { ...headers } },
      fetch: fetchWithoutListenerWarnings,
    });
  }

  /**
   * Sends one request upstream and resolves with its result as the upstream sent it (an `input_required`
   * result included); rejects with the upstream's JSON-RPC error. `meta` is the client's `_meta`, envelope
   * included: a 2026 upstream gets it verbatim, a 2025 one without the envelope.
   */
  async forward(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    meta: Record<string, unknown> | undefined,
    options: ForwardOptions,
  ): Promise<Record<string, unknown>> {
    const discover = await this.#discover();
    const { spec } = this.#host;
    if (discover !== undefined && isHttpUpstream(spec)) {
      return this.#forwardModern(
        spec.url,
        spec.headers,
        discover,
        method,
        paramsWithMeta(params, meta),
        options,
      );
    }
    const connection = this.#host.legacy();
    if (connection === undefined) {
      throw Object.assign(new Error('the upstream MCP server is unavailable; retry shortly'), {
        code: -32603,
      });
    }
    const track = this.#host.track ?? (<T>(work: () => Promise<T>): Promise<T> => work());
    return await track(() =>
      connection.client.request(
        { method, params: paramsWithMeta(params, withoutEnvelope(meta)) },
        ResultSchema,
        {
          signal: options.signal,
          timeout: options.timeoutMs,
          ...(options.onprogress !== undefined && {
            onprogress: options.onprogress as never,
            resetTimeoutOnProgress: true,
          }),
        },
      ),
    );
  }

  async #forwardModern(
    url: string | URL,
    headers: Readonly<Record<string, string>> | undefined,
    discover: DiscoverResult,
    method: string,
    params: Record<string, unknown>,
    options: ForwardOptions,
  ): Promise<Record<string, unknown>> {
    // One client per request: what the upstream sends on this request's stream belongs to this request.
    const client = new Client(this.#host.clientInfo, {
      versionNegotiation: { mode: 'auto' },
      inputRequired: { autoFulfill: false },
    });
    const listen = options.onnotification;
    if (listen !== undefined) {
      client.fallbackNotificationHandler = (notification) => {
        listen(notification);
        return Promise.resolve();
      };
    }
    // The client's own envelope goes up verbatim, but the version is the one the gateway negotiated.
    const { [PROTOCOL_VERSION_KEY]: _version, ...meta } = (params['_meta'] ?? {}) as Record<string, unknown>;
    const sent = Object.keys(meta).length === 0 ? withoutMeta(params) : { ...params, _meta: meta };
    try {
      await client.connect(this.#transport(url, headers), { prior: { kind: 'modern', discover } });
      return await client.request({ method, params: sent } as never, {
        signal: options.signal,
        timeout: options.timeoutMs,
        allowInputRequired: true,
        ...(options.onprogress !== undefined && {
          onprogress: options.onprogress as never,
          resetTimeoutOnProgress: true,
        }),
      });
    } finally {
      void client.close().catch(() => undefined);
    }
  }
}
