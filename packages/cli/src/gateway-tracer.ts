/**
 * The gateway's OpenTelemetry SDK over its life: the context manager and W3C propagators registered once,
 * and a tracer provider per exporter setting, which a reload swaps. A replaced provider is flushed at once
 * and shut down after the drain time, so spans already recorded, and those of calls still running, reach
 * the collector they were recorded for. The SDK is loaded only here: a gateway without tracing never loads it.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { exportProblems, propagateWith, type ExporterSettings } from './gateway-tracing.js';

type Protocol = ExporterSettings['protocol'];

interface Sdk {
  readonly api: typeof OtelApi;
  readonly contextManager: typeof import('@opentelemetry/context-async-hooks');
  readonly core: typeof import('@opentelemetry/core');
  readonly resources: typeof import('@opentelemetry/resources');
  readonly traceBase: typeof import('@opentelemetry/sdk-trace-base');
}

type ExporterClass = typeof import('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter;

const sameSettings = (a: ExporterSettings | undefined, b: ExporterSettings | undefined): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** Where spans now go, for the start line and the reload line (never the headers: they carry tokens). */
export function describeExport(settings: ExporterSettings | undefined): string {
  return settings === undefined
    ? 'tracing off'
    : `tracing: exporting spans to ${settings.url} (${settings.protocol})`;
}

/** The gateway's tracer provider, replaced as its exporter settings change. */
export class GatewayTracer {
  readonly #warn: (message: string) => void;
  readonly #drainMs: number;
  readonly #exporters = new Map<Protocol, ExporterClass>();
  readonly #retired = new Map<BasicTracerProvider, NodeJS.Timeout>();
  #sdk: Sdk | undefined;
  #registered = false;
  #settings: ExporterSettings | undefined;
  #provider: BasicTracerProvider | undefined;

  /** `warn` gets export problems (one line each, bounded); `drainMs` is how long a replaced provider lives. */
  constructor(warn: (message: string) => void, drainMs: number) {
    this.#warn = warn;
    this.#drainMs = drainMs;
  }

  /** The settings in service; undefined while tracing is off. */
  get settings(): ExporterSettings | undefined {
    return this.#settings;
  }

  /** True when putting `settings` in service would change where spans go. */
  differs(settings: ExporterSettings | undefined): boolean {
    return !sameSettings(settings, this.#settings);
  }

  /** Loads what `settings` need (each module once), so that {@link swapTo} runs without waiting. */
  async prepare(settings: ExporterSettings | undefined): Promise<void> {
    if (settings === undefined) return;
    const [api, contextManager, core, resources, traceBase, exporter] = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace-base'),
      settings.protocol === 'http/json'
        ? import('@opentelemetry/exporter-trace-otlp-http')
        : import('@opentelemetry/exporter-trace-otlp-proto'),
    ]);
    this.#sdk ??= { api, contextManager, core, resources, traceBase };
    this.#exporters.set(settings.protocol, exporter.OTLPTraceExporter);
  }

  /**
   * Builds the provider for `settings` (prepared) and returns what registers it globally, or undefined
   * when nothing would change. Building may throw; registering does not, so a caller can swap it together
   * with the pipeline.
   */
  swapTo(settings: ExporterSettings | undefined): (() => void) | undefined {
    if (!this.differs(settings)) return undefined;
    const provider = settings === undefined ? undefined : this.#build(settings);
    return () => this.#install(settings, provider);
  }

  #build(settings: ExporterSettings): BasicTracerProvider {
    const sdk = this.#sdk;
    const Exporter = this.#exporters.get(settings.protocol);
    if (sdk === undefined || Exporter === undefined) throw new Error('tracing: prepare() the settings first');
    const exporter = new Exporter({ url: settings.url, headers: { ...settings.headers } });
    return new sdk.traceBase.BasicTracerProvider({
      resource: sdk.resources.resourceFromAttributes(settings.resource),
      spanProcessors: [new sdk.traceBase.BatchSpanProcessor(exporter)],
    });
  }

  #install(settings: ExporterSettings | undefined, provider: BasicTracerProvider | undefined): void {
    const sdk = this.#sdk;
    const old = this.#provider;
    if (sdk !== undefined) {
      const { api } = sdk;
      if (provider !== undefined) this.#registerOnce(sdk);
      // The global provider can be set once: disable() forgets it (the tracing() middleware looks the
      // provider up per call, so it follows), the context manager and propagators stay.
      api.trace.disable();
      if (provider !== undefined) api.trace.setGlobalTracerProvider(provider);
      propagateWith(
        provider === undefined ? undefined : { api, tracer: provider.getTracer('@mcp-middleware/cli') },
      );
    }
    this.#settings = settings;
    this.#provider = provider;
    if (old !== undefined) this.#retire(old);
  }

  #registerOnce(sdk: Sdk): void {
    const { api, core } = sdk;
    api.diag.setLogger(exportProblems(this.#warn), api.DiagLogLevel.ERROR);
    if (this.#registered) return;
    this.#registered = true;
    api.context.setGlobalContextManager(new sdk.contextManager.AsyncLocalStorageContextManager().enable());
    api.propagation.setGlobalPropagator(
      new core.CompositePropagator({
        propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
      }),
    );
  }

  // Spans already ended go to their collector now; spans of calls still running end on the old provider,
  // so it lives as long as those calls may.
  #retire(old: BasicTracerProvider): void {
    old.forceFlush().catch((error: unknown) => this.#couldNotFlush(error));
    const timer = setTimeout(() => void this.#shutDown(old), this.#drainMs);
    timer.unref();
    this.#retired.set(old, timer);
  }

  async #shutDown(provider: BasicTracerProvider): Promise<void> {
    clearTimeout(this.#retired.get(provider));
    this.#retired.delete(provider);
    await provider.shutdown().catch((error: unknown) => this.#couldNotFlush(error));
  }

  #couldNotFlush(error: unknown): void {
    this.#warn(`tracing: could not flush spans: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** Flushes and shuts down every provider, the one in service and those replaced; tracing is off after. */
  async shutdown(): Promise<void> {
    const all = [...this.#retired.keys(), ...(this.#provider === undefined ? [] : [this.#provider])];
    propagateWith(undefined);
    this.#provider = undefined;
    this.#settings = undefined;
    await Promise.all(all.map((provider) => this.#shutDown(provider)));
  }
}
