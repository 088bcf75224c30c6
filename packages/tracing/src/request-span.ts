/**
 * Pure helpers for the span of a request other than tools/call: its name and start options per the MCP
 * conventions (bounded caches) and its target attribute. How a failure is classified is core's
 * (`requestFailureOf`), shared with logging.
 */
import { SpanKind, type Attributes, type SpanOptions } from '@opentelemetry/api';
import { bounded, MAX_ID_LENGTH, MAX_URI_LENGTH, redactedTarget } from './text.js';
import {
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_MCP_METHOD_NAME,
  MCP_METHOD_NAME_VALUE_PROMPTS_GET,
} from './semconv.js';

/** A span's name and start options, built once and shared by every request they fit. */
export interface RequestSpan {
  readonly name: string;
  readonly options: SpanOptions;
}

// Methods come from the server's handlers, prompt names from clients: both caches stop growing here, and
// past the cap the span is built per request.
const MAX_CACHED_OPERATIONS = 64;
const MAX_CACHED_PROMPTS = 1000;

// The requests whose URI the conventions record as `mcp.resource.uri` (never in the span name: a URI is
// high-cardinality, and the conventions make it a name's target only as an opt-in).
const URI_OPERATIONS: ReadonlySet<string> = new Set([
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
]);

function spanOf(name: string, attributes: Attributes): RequestSpan {
  return { name, options: { kind: SpanKind.SERVER, attributes } };
}

/**
 * Span names and start options for requests other than tools/call: `{mcp.method.name}`, and
 * `prompts/get {gen_ai.prompt.name}` for a prompt. Resource URIs never reach a name, so the number of
 * distinct names is bounded by the server's methods and prompt names.
 */
export class RequestSpans {
  readonly #operations = new Map<string, RequestSpan>();
  readonly #prompts = new Map<string, RequestSpan>();

  /** The span for `operation` naming `target` (the target counts only for `prompts/get`). */
  of(operation: string, target: string | undefined): RequestSpan {
    if (operation === MCP_METHOD_NAME_VALUE_PROMPTS_GET && target !== undefined) return this.#prompt(target);
    let span = this.#operations.get(operation);
    if (span === undefined) {
      const method = bounded(operation);
      span = spanOf(method, { [ATTR_MCP_METHOD_NAME]: method });
      if (this.#operations.size < MAX_CACHED_OPERATIONS && method === operation) {
        this.#operations.set(operation, span);
      }
    }
    return span;
  }

  #prompt(name: string): RequestSpan {
    let span = this.#prompts.get(name);
    if (span === undefined) {
      // A client may name a prompt the server does not have: the name is redacted and bounded.
      const safe = redactedTarget(name, MAX_ID_LENGTH);
      span = spanOf(`${MCP_METHOD_NAME_VALUE_PROMPTS_GET} ${safe}`, {
        [ATTR_MCP_METHOD_NAME]: MCP_METHOD_NAME_VALUE_PROMPTS_GET,
        [ATTR_GEN_AI_PROMPT_NAME]: safe,
      });
      if (this.#prompts.size < MAX_CACHED_PROMPTS) this.#prompts.set(name, span);
    }
    return span;
  }
}

/** The `mcp.resource.uri` of a request, redacted and bounded, or undefined when it names no resource. */
export function resourceUriOf(operation: string, target: string | undefined): string | undefined {
  if (target === undefined || !URI_OPERATIONS.has(operation)) return undefined;
  return redactedTarget(target, MAX_URI_LENGTH);
}
