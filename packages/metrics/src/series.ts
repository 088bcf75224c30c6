/** One label set of the duration histogram (a method, and a tool or prompt), prebound for the hot path. */
import { ERROR_CODES, isMiddlewareError } from '@mcp-middleware/core';
import { errorTypeOf, isNotFound, type Outcome } from '@mcp-middleware/core/helpers';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { DurationHistogram, DurationSeries } from './duration.js';
import { OTEL_ATTRIBUTES } from './names.js';

/** The labels of one series, in Prometheus form. */
export type BaseLabels = Readonly<{
  mcp_method_name: string;
  gen_ai_tool_name?: string;
  gen_ai_prompt_name?: string;
}>;

/** Attributes of an OpenTelemetry measurement, built once per series and outcome. */
export type Attributes = Readonly<Record<string, string>>;

// The JSON-RPC codes the SDK and core answer with: a fixed set, so `error_type` stays bounded.
const JSON_RPC_CODES: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602, -32603, -32001, -32042]);
const ERROR_TYPES: ReadonlySet<string> = new Set<string>([
  ...ERROR_CODES,
  'tool_error',
  '_OTHER',
  ...[...JSON_RPC_CODES].map(String),
]);

/**
 * An `error_type` label value from a fixed set: a result relayed from an upstream server (the gateway) can
 * carry any code in its `_meta`, and a label must not take unbounded values.
 */
export function boundedErrorType(type: string | undefined): string {
  return type !== undefined && ERROR_TYPES.has(type) ? type : '_OTHER';
}

/**
 * The JSON-RPC code of an error the SDK answers with (an unknown resource or prompt, malformed params), as
 * the conventions' `error.type` wants it (`"-32602"`), or undefined for any other thrown value. Never
 * throws, whatever was thrown.
 */
export function jsonRpcTypeOf(error: unknown): string | undefined {
  try {
    if (!(error instanceof McpError) || isMiddlewareError(error)) return undefined;
    return JSON_RPC_CODES.has(error.code) ? String(error.code) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `error_type` of a failed call or request: the JSON-RPC code the SDK answered with, else core's
 * classification (`tool_error`, the middleware code, `_OTHER`). For a request it is core's
 * `requestFailureOf(...).errorType` once bounded, read without building the client's answer.
 */
export function failureTypeOf(outcome: Outcome): string | undefined {
  return jsonRpcTypeOf(outcome.error) ?? errorTypeOf(outcome);
}

/** True when the request named something the server does not have (or hides): its name is no label. */
export function isUnknownTarget(error: unknown): boolean {
  if (isNotFound(error)) return true;
  const type = jsonRpcTypeOf(error);
  return type === '-32602' || type === '-32601';
}

interface Failure {
  readonly series: DurationSeries;
  readonly attributes: Attributes;
}

function attributesOf(labels: BaseLabels, errorType?: string): Attributes {
  const attributes: Record<string, string> = { [OTEL_ATTRIBUTES.method]: labels.mcp_method_name };
  if (labels.gen_ai_tool_name !== undefined) {
    attributes[OTEL_ATTRIBUTES.tool] = labels.gen_ai_tool_name;
    attributes[OTEL_ATTRIBUTES.operation] = 'execute_tool';
  }
  if (labels.gen_ai_prompt_name !== undefined) attributes[OTEL_ATTRIBUTES.prompt] = labels.gen_ai_prompt_name;
  if (errorType !== undefined) attributes[OTEL_ATTRIBUTES.errorType] = errorType;
  return Object.freeze(attributes);
}

/** One method (and tool or prompt) series. The per-call path touches only this object: no hashing, no allocation. */
export class Series {
  /** The tool or prompt label value (the name, or `_other` beyond the cap); undefined for other methods. */
  readonly label: string | undefined;
  readonly labels: BaseLabels;
  /** Tool calls of this tool running now; read at scrape time (tools/call only). */
  inFlight = 0;
  /** Successful requests: no `error_type` label, as the conventions say. */
  readonly ok: DurationSeries;
  readonly okAttributes: Attributes;
  readonly #histogram: DurationHistogram;
  readonly #failed = new Map<string, Failure>();

  constructor(labels: BaseLabels, histogram: DurationHistogram) {
    this.labels = Object.freeze({ ...labels });
    this.label = labels.gen_ai_tool_name ?? labels.gen_ai_prompt_name;
    this.#histogram = histogram;
    this.ok = histogram.series(this.labels);
    this.okAttributes = attributesOf(this.labels);
  }

  /** The series of a failure under its `error_type` (kept to a fixed set), made on first use. */
  failure(type: string | undefined): Failure {
    const errorType = boundedErrorType(type);
    let failure = this.#failed.get(errorType);
    if (failure === undefined) {
      failure = {
        series: this.#histogram.series({ ...this.labels, error_type: errorType }),
        attributes: attributesOf(this.labels, errorType),
      };
      this.#failed.set(errorType, failure);
    }
    return failure;
  }

  /** Records a failed request under its `error_type`. */
  failed(type: string | undefined, seconds: number): void {
    this.failure(type).series.observe(seconds);
  }
}

/** Series by name, the first `max` names each their own, later ones one shared `_other` series. */
export class BoundedSeries {
  readonly #make: (name: string) => Series;
  readonly #max: number;
  readonly #named = new Map<string, Series>();
  readonly other: Series;

  constructor(max: number, other: string, make: (name: string) => Series) {
    this.#make = make;
    this.#max = max;
    this.other = make(other);
  }

  get size(): number {
    return this.#named.size;
  }

  values(): IterableIterator<Series> {
    return this.#named.values();
  }

  /** The series of `name`; `claim: false` finds one without taking a free slot (for an unknown name). */
  get(name: string, claim = true): Series {
    const found = this.#named.get(name);
    if (found !== undefined) return found;
    if (!claim || this.#named.size >= this.#max) return this.other;
    const created = this.#make(name);
    this.#named.set(name, created);
    return created;
  }
}
