/** The prom-client instruments of one registry, with each operation's series prebound for the hot path. */
import { ConfigError, createKey, type MiddlewareEvent, type RequestContext } from '@mcp-middleware/core';
import {
  Counter,
  Gauge,
  type PrometheusContentType,
  type Registry,
  type RegistryContentType,
} from 'prom-client';
import { BreakerBoard } from './breakers.js';
import { DeferredCounter } from './deferred-counter.js';
import { DurationHistogram } from './duration.js';
import {
  CACHE_REQUESTS,
  CALLS_IN_FLIGHT,
  CIRCUIT_BREAKERS,
  INPUT_REQUIRED,
  MAX_METHODS,
  METRIC_NAMES,
  OPERATION_DURATION,
  OTHER_METHOD,
  OTHER_TOOL,
  REJECTIONS,
  RETRIES,
} from './names.js';
import { BoundedSeries, Series, boundedErrorType, isUnknownTarget } from './series.js';

export { boundedErrorType } from './series.js';

/** A registry of any content type. */
export type AnyRegistry = Registry<RegistryContentType>;

type Registers = Registry<PrometheusContentType>[];
type TargetLabel = (typeof TARGET_LABELS)[number];

// Every counter and gauge names its request by method, and by tool or prompt where it has one.
const TARGET_LABELS = ['mcp_method_name', 'gen_ai_tool_name', 'gen_ai_prompt_name'] as const;
const TOOLS_CALL = 'tools/call';
const NO_LABELS = Object.freeze({});
const PROMPTS_GET = 'prompts/get';

const HELP = {
  rejections:
    'Requests a middleware rejected, by method, tool or prompt, and the code of the first rejection; each request counts once, however many of its attempts were rejected.',
  retries: 'Retry attempts after the first attempt, by method and tool or prompt.',
  cache: 'Cache lookups by method, tool and result (hit, miss, stale, bypass).',
  inputRequired:
    'Answers that ask the client for input (2026-07-28 input_required; the client calls again), by method and tool or prompt. Not in the duration histogram: neither a success nor a failure.',
} as const;

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

/** What the label bounds are: the cap on tool names and on prompt names. */
export interface Bounds {
  readonly maxTools: number;
  readonly maxPrompts: number;
}

function durationHistogram(buckets: readonly number[], registers: Registers): DurationHistogram {
  return new DurationHistogram({
    name: OPERATION_DURATION,
    help: 'Duration of MCP requests handled by the server (mcp.server.operation.duration), in seconds.',
    buckets,
    registers,
  });
}

function counter<Extra extends string = never>(
  registers: Registers,
  name: string,
  help: string,
  extra: readonly Extra[] = [],
): Counter<TargetLabel | Extra> {
  return new Counter({ name, help, labelNames: [...TARGET_LABELS, ...extra], registers });
}

// Read at scrape time: the tools' own series, and `_other` once it is in use or the cap is reached.
function inFlightGauge(tools: BoundedSeries, maxTools: number, registers: Registers): void {
  new Gauge({
    name: CALLS_IN_FLIGHT,
    help: 'Tool calls running now, by tool.',
    labelNames: ['gen_ai_tool_name'] as const,
    registers,
    collect() {
      for (const s of tools.values()) this.set({ gen_ai_tool_name: s.label as string }, s.inFlight);
      if (tools.other.inFlight !== 0 || tools.size >= maxTools) {
        this.set({ gen_ai_tool_name: OTHER_TOOL }, tools.other.inFlight);
      }
    },
  });
}

function breakerGauge(board: BreakerBoard, registers: Registers): void {
  new Gauge({
    name: CIRCUIT_BREAKERS,
    help: 'Circuit breakers in each non-closed state (open, half-open), by method and tool or prompt.',
    labelNames: [...TARGET_LABELS, 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const [series, count] of board.counts()) {
        for (const state of ['open', 'half-open'] as const) {
          this.set(series === undefined ? { state } : { ...series.labels, state }, count[state]);
        }
      }
    },
  });
}

/** Every instrument of one registry; shared by all `metrics()` middlewares that use that registry. */
export class Instruments {
  readonly registry: AnyRegistry;
  readonly #tools: BoundedSeries;
  readonly #prompts: BoundedSeries;
  // Methods other than tools/call and prompts/get: one series each (no target label).
  readonly #methods: BoundedSeries;
  readonly #rejections: Counter<TargetLabel | 'error_type'>;
  readonly #retries: Counter<TargetLabel>;
  readonly #cache: DeferredCounter<TargetLabel | 'result'>;
  readonly #inputRequired: Counter<TargetLabel>;
  readonly #breakers = new BreakerBoard();
  readonly #channels = new WeakSet<object>();
  // Marks a call whose rejection was counted (per registry: two registries each count it once).
  readonly #rejected = createKey<true>('metrics: rejection counted');

  constructor(registry: AnyRegistry, buckets: readonly number[], bounds: Bounds) {
    checkFree(registry);
    this.registry = registry;
    const registers = [registry as Registry<PrometheusContentType>];
    const histogram = durationHistogram(buckets, registers);
    this.#tools = new BoundedSeries(
      bounds.maxTools,
      OTHER_TOOL,
      (name) => new Series({ mcp_method_name: TOOLS_CALL, gen_ai_tool_name: name }, histogram),
    );
    this.#prompts = new BoundedSeries(
      bounds.maxPrompts,
      OTHER_TOOL,
      (name) => new Series({ mcp_method_name: PROMPTS_GET, gen_ai_prompt_name: name }, histogram),
    );
    this.#methods = new BoundedSeries(
      MAX_METHODS,
      OTHER_METHOD,
      (method) => new Series({ mcp_method_name: method }, histogram),
    );
    inFlightGauge(this.#tools, bounds.maxTools, registers);
    this.#rejections = counter(registers, REJECTIONS, HELP.rejections, ['error_type']);
    this.#retries = counter(registers, RETRIES, HELP.retries);
    // One cache event per cached call: counted in plain numbers, handed to prom-client when read.
    this.#cache = new DeferredCounter(
      { name: CACHE_REQUESTS, help: HELP.cache, labelNames: [...TARGET_LABELS, 'result'], registers },
      'result',
    );
    this.#inputRequired = counter(registers, INPUT_REQUIRED, HELP.inputRequired);
    breakerGauge(this.#breakers, registers);
  }

  /** Counts one `input_required` answer of `series`. */
  inputRequired(series: Series): void {
    this.#inputRequired.inc({ ...series.labels });
  }

  /** The prebound series of a tool; beyond `maxTools` distinct names, the shared `_other` series. */
  series(tool: string): Series {
    return this.#tools.get(tool);
  }

  /**
   * The series of a request: by method, and for `tools/call` and `prompts/get` by name, the first
   * `maxTools` / `maxPrompts` names each their own. `claim: false` never takes a free name slot: a request
   * whose target turned out unknown, or an event about a prompt, falls back to `_other` unless its name
   * already has a series, so a caller asking for 10 000 made-up prompts fills no label.
   */
  request(operation: string, target: string | undefined, claim = true): Series {
    if (operation === TOOLS_CALL) return this.#tools.get(target ?? '', claim);
    if (operation === PROMPTS_GET) return this.#prompts.get(target ?? '', claim);
    return this.#methods.get(operation);
  }

  /** The series a finished request is recorded in: `error` is what it failed with, if it failed. */
  settled(operation: string, target: string | undefined, error?: unknown): Series {
    return this.request(operation, target, error === undefined || !isUnknownTarget(error));
  }

  /** True the first time `channel` is seen, so one channel never counts an event twice. */
  adopt(channel: object): boolean {
    if (this.#channels.has(channel)) return false;
    this.#channels.add(channel);
    return true;
  }

  /**
   * Counts one event from the pipeline's channel; `ctx` is the request's context, when there is one.
   * A request counts as rejected once, under the code of its first rejection: retried attempts that are
   * rejected again (a TIMEOUT per attempt) do not count again, so rejections never exceed requests.
   */
  record(
    event: MiddlewareEvent,
    ctx: Pick<RequestContext, 'operation' | 'target' | 'get' | 'set'> | undefined,
  ): void {
    // Tools claim a slot from events as they always did; a prompt only from its own finished request.
    const series =
      ctx === undefined ? undefined : this.request(ctx.operation, ctx.target, ctx.operation === TOOLS_CALL);
    switch (event.type) {
      case 'reject':
        if (ctx !== undefined) {
          if (ctx.get(this.#rejected) === true) break;
          ctx.set(this.#rejected, true);
        }
        this.#rejections.inc({ ...series?.labels, error_type: boundedErrorType(event.code) });
        break;
      case 'retry':
        this.#retries.inc({ ...series?.labels });
        break;
      case 'cache':
        this.#cache.add(series?.labels ?? NO_LABELS, event.result);
        break;
      case 'breaker':
        this.#breakers.update(
          event.key,
          series ?? (event.tool === undefined ? undefined : this.series(event.tool)),
          event.state,
        );
        break;
      case 'give-up':
      case 'timeout':
      case 'warning':
        // Give-ups and timeouts show in the duration histogram's error_type; warnings are not metrics.
        break;
    }
  }
}

const shared = new WeakMap<AnyRegistry, { readonly signature: string; readonly instruments: Instruments }>();

/**
 * The instruments of `registry`, created on first use. Two `metrics()` on one registry share them, so
 * they must agree on buckets, `maxTools` and `maxPrompts`.
 */
export function instrumentsFor(
  registry: AnyRegistry,
  buckets: readonly number[],
  bounds: Bounds,
): Instruments {
  const signature = `${buckets.join(',')}|${bounds.maxTools}|${bounds.maxPrompts}`;
  const known = shared.get(registry);
  if (known !== undefined) {
    if (known.signature !== signature) {
      throw new ConfigError(
        'registry',
        'metrics: another metrics() already uses this registry with other buckets, maxTools or maxPrompts; ' +
          'give both the same options, or each its own registry',
      );
    }
    return known.instruments;
  }
  const instruments = new Instruments(registry, buckets, bounds);
  shared.set(registry, { signature, instruments });
  return instruments;
}
