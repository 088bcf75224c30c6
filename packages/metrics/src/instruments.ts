/** The prom-client instruments of one registry, with each tool's series prebound for the hot path. */
import {
  ConfigError,
  ERROR_CODES,
  createKey,
  type MiddlewareEvent,
  type ToolContext,
} from '@mcp-middleware/core';
import {
  Counter,
  Gauge,
  type PrometheusContentType,
  type Registry,
  type RegistryContentType,
} from 'prom-client';
import { DurationHistogram, type DurationSeries } from './duration.js';
import {
  CACHE_REQUESTS,
  CALLS_IN_FLIGHT,
  CIRCUIT_BREAKERS,
  METRIC_NAMES,
  OPERATION_DURATION,
  OTHER_TOOL,
  REJECTIONS,
  RETRIES,
} from './names.js';

/** A registry of any content type. */
export type AnyRegistry = Registry<RegistryContentType>;

type BreakerState = Extract<MiddlewareEvent, { type: 'breaker' }>['state'];

/** True for a prom-client Registry (checked by shape, so a second installed copy also passes). */
export function isRegistry(value: unknown): value is AnyRegistry {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AnyRegistry).metrics === 'function' &&
    typeof (value as AnyRegistry).getMetricsAsJSON === 'function' &&
    typeof (value as AnyRegistry).getSingleMetric === 'function'
  );
}

const METHOD = 'tools/call';
const ERROR_TYPES: ReadonlySet<string> = new Set<string>([...ERROR_CODES, 'tool_error', '_OTHER']);

/**
 * An `error_type` label value from a fixed set: a result relayed from an upstream server (the gateway) can
 * carry any code in its `_meta`, and a label must not take unbounded values.
 */
export function boundedErrorType(type: string | undefined): string {
  return type !== undefined && ERROR_TYPES.has(type) ? type : '_OTHER';
}
// Breakers keyed by something unbounded (a principal) must not grow memory without end.
const MAX_TRACKED_BREAKERS = 10_000;

/** One tool's series. The per-call path touches only this object: no label hashing, no allocation. */
export class ToolSeries {
  /** The `gen_ai_tool_name` value (the tool name, or `_other` beyond `maxTools`). */
  readonly label: string;
  /** Calls of this tool running now; read at scrape time. */
  inFlight = 0;
  /** Successful calls: no `error_type` label, as the conventions say. */
  readonly ok: DurationSeries;
  readonly #histogram: DurationHistogram;
  readonly #failed = new Map<string, DurationSeries>();

  constructor(label: string, histogram: DurationHistogram) {
    this.label = label;
    this.#histogram = histogram;
    this.ok = histogram.series({ mcp_method_name: METHOD, gen_ai_tool_name: label });
  }

  /** Records a failed call under its `error_type` (core's `errorTypeOf`, kept to a fixed set). */
  failed(type: string | undefined, seconds: number): void {
    const errorType = boundedErrorType(type);
    let series = this.#failed.get(errorType);
    if (series === undefined) {
      series = this.#histogram.series({
        mcp_method_name: METHOD,
        gen_ai_tool_name: this.label,
        error_type: errorType,
      });
      this.#failed.set(errorType, series);
    }
    series.observe(seconds);
  }
}

function checkFree(registry: AnyRegistry): void {
  for (const name of METRIC_NAMES) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new ConfigError(
        'registry',
        `metrics: the registry already holds a metric named ${name} that this package did not create; ` +
          'pass a registry without it, or omit registry to get a fresh one',
      );
    }
  }
}

/** Every instrument of one registry; shared by all `metrics()` middlewares that use that registry. */
export class Instruments {
  readonly registry: AnyRegistry;
  readonly #maxTools: number;
  readonly #series = new Map<string, ToolSeries>();
  readonly #other: ToolSeries;
  readonly #histogram: DurationHistogram;
  readonly #rejections: Counter<'gen_ai_tool_name' | 'error_type'>;
  readonly #retries: Counter<'gen_ai_tool_name'>;
  readonly #cache: Counter<'gen_ai_tool_name' | 'result'>;
  // Breaker key → its tool label and state; closed breakers are forgotten.
  readonly #breakers = new Map<string, { readonly label: string | undefined; state: BreakerState }>();
  readonly #breakerTools = new Set<string | undefined>();
  readonly #channels = new WeakSet<object>();
  // Marks a call whose rejection was counted (per registry: two registries each count it once).
  readonly #rejected = createKey<true>('metrics: rejection counted');

  constructor(registry: AnyRegistry, buckets: readonly number[], maxTools: number) {
    checkFree(registry);
    this.registry = registry;
    this.#maxTools = maxTools;
    const registers = [registry as Registry<PrometheusContentType>];
    this.#histogram = new DurationHistogram({
      name: OPERATION_DURATION,
      help: 'Duration of MCP requests handled by the server (mcp.server.operation.duration), in seconds.',
      buckets,
      registers,
    });
    this.#other = new ToolSeries(OTHER_TOOL, this.#histogram);
    const series = this.#series;
    const other = this.#other;
    new Gauge({
      name: CALLS_IN_FLIGHT,
      help: 'Tool calls running now, by tool.',
      labelNames: ['gen_ai_tool_name'] as const,
      registers,
      collect() {
        for (const s of series.values()) this.set({ gen_ai_tool_name: s.label }, s.inFlight);
        if (other.inFlight !== 0 || series.size >= maxTools) {
          this.set({ gen_ai_tool_name: OTHER_TOOL }, other.inFlight);
        }
      },
    });
    this.#rejections = new Counter({
      name: REJECTIONS,
      help: 'Tool calls a middleware rejected, by tool and the code of the first rejection; each call counts once, however many of its attempts were rejected.',
      labelNames: ['gen_ai_tool_name', 'error_type'] as const,
      registers,
    });
    this.#retries = new Counter({
      name: RETRIES,
      help: 'Retry attempts after the first attempt, by tool.',
      labelNames: ['gen_ai_tool_name'] as const,
      registers,
    });
    this.#cache = new Counter({
      name: CACHE_REQUESTS,
      help: 'Cache lookups by tool and result (hit, miss, stale, bypass).',
      labelNames: ['gen_ai_tool_name', 'result'] as const,
      registers,
    });
    const breakers = this.#breakers;
    const breakerTools = this.#breakerTools;
    new Gauge({
      name: CIRCUIT_BREAKERS,
      help: 'Circuit breakers of a tool in each non-closed state (open, half-open).',
      labelNames: ['gen_ai_tool_name', 'state'] as const,
      registers,
      collect() {
        this.reset();
        const counts = new Map<string | undefined, { open: number; 'half-open': number }>();
        for (const label of breakerTools) counts.set(label, { open: 0, 'half-open': 0 });
        for (const { label, state } of breakers.values()) {
          if (state !== 'closed') (counts.get(label) as { open: number; 'half-open': number })[state]++;
        }
        for (const [label, count] of counts) {
          for (const state of ['open', 'half-open'] as const) {
            this.set(label === undefined ? { state } : { gen_ai_tool_name: label, state }, count[state]);
          }
        }
      },
    });
  }

  /** The prebound series of a tool; beyond `maxTools` distinct names, the shared `_other` series. */
  series(tool: string): ToolSeries {
    const found = this.#series.get(tool);
    if (found !== undefined) return found;
    if (this.#series.size >= this.#maxTools) return this.#other;
    const created = new ToolSeries(tool, this.#histogram);
    this.#series.set(tool, created);
    return created;
  }

  /** True the first time `channel` is seen, so one channel never counts an event twice. */
  adopt(channel: object): boolean {
    if (this.#channels.has(channel)) return false;
    this.#channels.add(channel);
    return true;
  }

  /**
   * Counts one event from the pipeline's channel; `ctx` is the call's context, when there is a call.
   * A call counts as rejected once, under the code of its first rejection: retried attempts that are
   * rejected again (a TIMEOUT per attempt) do not count again, so rejections never exceed calls.
   */
  record(event: MiddlewareEvent, ctx: Pick<ToolContext, 'tool' | 'get' | 'set'> | undefined): void {
    const tool = ctx?.tool.name;
    switch (event.type) {
      case 'reject':
        if (ctx !== undefined) {
          if (ctx.get(this.#rejected) === true) break;
          ctx.set(this.#rejected, true);
        }
        this.#rejections.inc(this.#labels(tool, { error_type: boundedErrorType(event.code) }));
        break;
      case 'retry':
        this.#retries.inc(this.#labels(tool, {}));
        break;
      case 'cache':
        this.#cache.inc(this.#labels(tool, { result: event.result }));
        break;
      case 'breaker':
        this.#breaker(event.key, event.tool ?? tool, event.state);
        break;
      case 'give-up':
      case 'timeout':
      case 'warning':
        // Give-ups and timeouts show in the duration histogram's error_type; warnings are not metrics.
        break;
    }
  }

  #labels<L extends Record<string, string>>(tool: string | undefined, labels: L): L {
    return tool === undefined ? labels : { gen_ai_tool_name: this.series(tool).label, ...labels };
  }

  #breaker(key: string, tool: string | undefined, state: BreakerState): void {
    const label = tool === undefined ? undefined : this.series(tool).label;
    this.#breakerTools.add(label);
    if (state === 'closed') {
      this.#breakers.delete(key);
      return;
    }
    const known = this.#breakers.get(key);
    if (known !== undefined) known.state = state;
    else if (this.#breakers.size < MAX_TRACKED_BREAKERS) this.#breakers.set(key, { label, state });
  }
}

const shared = new WeakMap<AnyRegistry, { readonly signature: string; readonly instruments: Instruments }>();

/**
 * The instruments of `registry`, created on first use. Two `metrics()` on one registry share them, so
 * they must agree on buckets and `maxTools`.
 */
export function instrumentsFor(
  registry: AnyRegistry,
  buckets: readonly number[],
  maxTools: number,
): Instruments {
  const signature = `${buckets.join(',')}|${maxTools}`;
  const known = shared.get(registry);
  if (known !== undefined) {
    if (known.signature !== signature) {
      throw new ConfigError(
        'registry',
        'metrics: another metrics() already uses this registry with other buckets or maxTools; ' +
          'give both the same options, or each its own registry',
      );
    }
    return known.instruments;
  }
  const instruments = new Instruments(registry, buckets, maxTools);
  shared.set(registry, { signature, instruments });
  return instruments;
}
