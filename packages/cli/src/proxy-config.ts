/**
 * The proxy command's config, loaded whole: the pipeline, the `auth` the HTTP front door is built from and
 * where spans go. The three are put in service together, at start and by each reload (reload.ts), so a
 * reload that rotates an API key or a collector token holds for every request that arrives after it.
 */
import type { Middleware, Pipeline } from '@mcp-middleware/core';
import type { Registry } from 'prom-client';
import { doorChange } from './front-door.js';
import type { Gateway } from './gateway.js';
import { describeExport, type GatewayTracer } from './gateway-tracer.js';
import { exporterSettings, type ExporterSettings } from './gateway-tracing.js';
import { loadGatewayConfig } from './load-pipeline.js';
import type { LoadedPipeline } from './reload.js';

/** One load of the config file (or, without one, of the OTEL_* variables alone). */
export interface ProxyGeneration extends LoadedPipeline {
  /** The config's pipeline, after the gateway's own `tracing()` when traced from OTEL_* alone. */
  readonly middlewares: Pipeline;
  /** The options of the config's built-in `auth`: the front door's credentials. */
  readonly auth: Readonly<Record<string, unknown>> | undefined;
  /** Where spans go; undefined while tracing is off. */
  readonly exporter: ExporterSettings | undefined;
}

/** What the proxy command's config needs. */
export interface ProxyConfigParts {
  /** The `--config` file; undefined without one. */
  readonly file: string | undefined;
  /** Read at start only: `OTEL_*` are the process's, a reload does not re-read them. */
  readonly env: NodeJS.ProcessEnv;
  readonly registry: Registry;
  readonly tracer: GatewayTracer;
  readonly log: (line: string) => void;
}

/** Loads the proxy command's config and puts each load in service. */
export class ProxyConfig {
  readonly #parts: ProxyConfigParts;
  #ownSpan: Middleware | undefined;
  #auth: ProxyGeneration['auth'];

  constructor(parts: ProxyConfigParts) {
    this.#parts = parts;
  }

  /** Loads and builds the file; rejects with why it cannot be used, having closed what it opened. */
  async load(): Promise<ProxyGeneration> {
    const { file, env, registry, tracer } = this.#parts;
    const config = file === undefined ? undefined : await loadGatewayConfig(file, { registry });
    try {
      const exporter = exporterSettings(env, config?.exporter);
      await tracer.prepare(exporter);
      // Traced without a `tracing` entry (OTEL_* variables only): the gateway's own span per request, outermost.
      const own =
        exporter !== undefined && config?.exporter === undefined ? await this.#ownSpanOnce() : undefined;
      const pipeline = config?.middlewares ?? [];
      return {
        middlewares:
          own === undefined ? pipeline : [own, ...(typeof pipeline === 'function' ? [pipeline] : pipeline)],
        auth: config?.auth,
        exporter,
        close: () => config?.close() ?? Promise.resolve(),
      };
    } catch (error) {
      await config?.close().catch(() => undefined);
      throw error;
    }
  }

  async #ownSpanOnce(): Promise<Middleware> {
    this.#ownSpan ??= (await import('@mcp-middleware/tracing')).tracing();
    return this.#ownSpan;
  }

  /** Puts the first load's exporter in service; the gateway takes its pipeline and door when created. */
  start(first: ProxyGeneration): void {
    this.#parts.tracer.swapTo(first.exporter)?.();
    this.#auth = first.auth;
    if (first.exporter !== undefined) this.#parts.log(describeExport(first.exporter));
  }

  /**
   * Puts `next` in service on `gateway`: pipeline, front door and exporter, or (throwing) none of them.
   * Returns what changed besides the pipeline, for the reload line.
   */
  apply(gateway: Gateway, next: ProxyGeneration): string | undefined {
    // Built first (it may throw); a provider built for a pipeline that then fails to compose is never
    // registered and holds no timer, so dropping it is enough.
    const swapTracing = this.#parts.tracer.swapTo(next.exporter);
    gateway.replacePipeline(next.middlewares, { auth: next.auth });
    swapTracing?.();
    const notes = [
      gateway.url === undefined ? undefined : doorChange(this.#auth, next.auth),
      swapTracing === undefined ? undefined : describeExport(next.exporter),
    ].filter((note) => note !== undefined);
    this.#auth = next.auth;
    return notes.length === 0 ? undefined : notes.join(', ');
  }
}
