/**
 * The upstream side of a 2026-07-28 request: which revision the upstream speaks, and how one request is
 * forwarded in it. An HTTP upstream that answers `server/discover` with 2026-07-28 is spoken to in
 * 2026-07-28, one SDK v2 client per request (adopting the discover result, so no extra round trip), which
 * keeps every log and progress notification on the request that caused it. Any other upstream (a 1.x
 * server, a stdio child) gets the request on the gateway's 2025-11-25 connection: the era mismatch the
 * cli README describes. A stdio child stays 2025 even when it offers 2026-07-28: SDK v2's `serveStdio`
 * fixes a pipe's era by its first message (initialize, for the gateway's 2025 clients), and a second child
 * would split a stateful server's data between the eras (test/gateway-2026-stdio.test.ts). How a request
 * goes to a 2025 upstream (the MRTR bridge, or the shared connection) is legacy-forward.ts.
 */
import { Client, StreamableHTTPClientTransport, type DiscoverResult } from '@modelcontextprotocol/client';
import { UpstreamListener, type UpstreamChange } from './upstream-listen.js';
import { LegacyForward, paramsWithMeta, type LegacyForwardHost } from './legacy-forward.js';
import type { Caller } from './mrtr-bridge.js';
import { catchTaskHandle, declaresTasks, isTaskMethod, TaskResultSchema } from './modern-tasks.js';
import { upstreamFetch } from './upstream-fetch.js';
import { isHttpUpstream } from './upstream.js';

export type { UpstreamChange } from './upstream-listen.js';
export { ENVELOPE_PREFIX, withoutEnvelope } from './legacy-forward.js';

/** The revision the gateway speaks with its upstream for 2026-07-28 clients. */
export type UpstreamEra = 'modern' | 'legacy';

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
  /** The request's context: a request held for input (MRTR bridge) is resumed only by its principal. */
  readonly caller?: Caller | undefined;
}

/** What the modern upstream needs from the gateway. */
export interface ModernUpstreamHost extends LegacyForwardHost {
  /** Subscribes `uris` on the 2025 connection for a listen stream; returns the release (session-hub.ts). */
  readonly hold?: ((uris: readonly string[]) => () => void) | undefined;
}

function withoutMeta(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { _meta: _dropped, ...rest } = params;
  return rest;
}

/** Decides the upstream's revision once per upstream connection and forwards 2026-era requests in it. */
export class ModernUpstream {
  readonly #host: ModernUpstreamHost;
  #verdict: Promise<DiscoverResult | undefined> | undefined;
  // The settled verdict (null until the probe answers), read synchronously by each request's server.
  #discovered: DiscoverResult | undefined | null = null;
  readonly #listener: UpstreamListener;
  readonly #legacyForward: LegacyForward;

  constructor(host: ModernUpstreamHost) {
    this.#host = host;
    this.#listener = new UpstreamListener(() => this.#connectModern(), host.connectTimeoutMs);
    this.#legacyForward = new LegacyForward(host);
  }

  /** Forget the verdict (the upstream restarted: it may be another version now). */
  reset(): void {
    this.#verdict = undefined;
    this.#discovered = null;
  }

  /** True once the upstream is known to speak 2025-11-25 only (its discover probe said so). */
  get legacyOnly(): boolean {
    return this.#discovered === undefined;
  }

  /** True once the upstream's revision is known (its `server/discover` probe answered). */
  get settled(): boolean {
    return this.#discovered !== null;
  }

  /** What a 2026-07-28 upstream's `server/discover` declares for extension `id`, once known. */
  extension(id: string): Record<string, unknown> | undefined {
    const extensions = (
      this.#discovered?.capabilities as { extensions?: Record<string, unknown> } | undefined
    )?.extensions;
    return extensions?.[id] as Record<string, unknown> | undefined;
  }

  /**
   * Holds one `subscriptions/listen` stream open on a 2026-07-28 upstream and reports what it hears (see
   * upstream-listen.ts). Nothing to do for a 2025 upstream: its list changes arrive on the 2025 connection.
   */
  watch(onChange: (change: UpstreamChange) => void): Promise<void> {
    return this.#listener.watch(onChange);
  }

  /**
   * A client at the gateway listens for `uris`: a 2026-07-28 upstream's listen stream covers them too; a
   * 2025-only upstream gets them subscribed on the 2025 connection until the returned release is called.
   * Throws, holding nothing, when the gateway already listens for as many URIs as it will (upstream-listen.ts).
   */
  listenFor(uris: readonly string[]): () => void {
    const unlisten = this.#listener.listenFor(uris);
    const hold = this.#host.hold;
    if (hold === undefined) return unlisten;
    let release: (() => void) | undefined;
    let released = false;
    this.whenLegacy(() => {
      if (!released) release = hold(uris);
    });
    return () => {
      released = true;
      unlisten();
      release?.();
    };
  }

  /** Throws as {@link listenFor} would when the gateway has no room for `uris`; holds nothing. */
  roomFor(uris: readonly string[]): void {
    this.#listener.roomFor(uris);
  }

  /** Runs `work` if the upstream speaks only 2025-11-25 (what its 2025 connection announces is all there is). */
  whenLegacy(work: () => void): void {
    void this.era().then((era) => {
      if (era === 'legacy') work();
    });
  }

  /** Closes the listen stream (no more re-listening) and cancels the calls held for input. */
  async close(): Promise<void> {
    await this.#legacyForward.close();
    await this.#listener.close();
  }

  /** A client connected in 2026-07-28 (no round trip), or undefined when the upstream does not speak it. */
  async #connectModern(): Promise<Client | undefined> {
    const { spec } = this.#host;
    const discover = await this.#discover();
    if (discover === undefined || !isHttpUpstream(spec)) return undefined;
    const client = new Client(this.#host.clientInfo, { versionNegotiation: { mode: 'auto' } });
    try {
      await client.connect(this.#transport(spec.url, spec.headers), { prior: { kind: 'modern', discover } });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    return client;
  }

  /** The revision the upstream speaks with the gateway's 2026-07-28 clients. */
  async era(): Promise<UpstreamEra> {
    return (await this.#discover()) === undefined ? 'legacy' : 'modern';
  }

  #discover(): Promise<DiscoverResult | undefined> {
    const { spec } = this.#host;
    if (!isHttpUpstream(spec)) {
      this.#discovered = undefined;
      return Promise.resolve(undefined);
    }
    const verdict = (this.#verdict ??= this.#probe(spec.url, spec.headers).then(
      (discovered) => {
        if (this.#verdict === verdict) this.#discovered = discovered;
        return discovered;
      },
      () => {
        // A probe that failed (network) decides nothing: the next request probes again.
        if (this.#verdict === verdict) this.#verdict = undefined;
        return undefined;
      },
    ));
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
      // Keep-alive agents, and a lost idle socket's request sent again when that changes nothing.
      fetch: upstreamFetch,
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
    return this.#legacyForward.forward(method, params, meta, options);
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
    const requestOptions = {
      signal: options.signal,
      timeout: options.timeoutMs,
      allowInputRequired: true,
      ...(options.onprogress !== undefined && {
        onprogress: options.onprogress as never,
        resetTimeoutOnProgress: true,
      }),
    };
    const request = { method, params: sent } as never;
    try {
      const transport = this.#transport(url, headers);
      await client.connect(transport, { prior: { kind: 'modern', discover } });
      // Tasks (SEP-2663): their methods need a result schema of their own; a task handle is caught.
      if (isTaskMethod(method)) return await client.request(request, TaskResultSchema, requestOptions);
      const caught = method === 'tools/call' && declaresTasks(meta) ? catchTaskHandle(transport) : undefined;
      return await client.request(request, requestOptions).catch((error: unknown) => {
        if (caught?.handle !== undefined) return caught.handle;
        throw error;
      });
    } finally {
      void client.close().catch(() => undefined);
    }
  }
}
