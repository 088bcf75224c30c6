/** The `operations` option of rateLimit() and concurrencyLimit(): which requests a limiter counts. */
import {
  defineMiddleware,
  type Middleware,
  type OptionReader,
  type RequestContext,
  type RequestHook,
  type RequestHooks,
} from '@mcp-middleware/core';

/** The requests a limiter can count. Lists are never limited per target: they name none. */
export const LIMITABLE = ['tools/call', 'resources/read', 'prompts/get', 'completion/complete'] as const;

/** One of {@link LIMITABLE}. */
export type LimitedOperation = (typeof LIMITABLE)[number];

/** Reads `operations`: a non-empty list of {@link LIMITABLE}, without repeats. @default ['tools/call'] */
export function readOperations(reader: OptionReader): ReadonlySet<LimitedOperation> {
  const value = reader.raw('operations');
  if (value === undefined) return new Set(['tools/call']);
  const oneOf = LIMITABLE.map((o) => `"${o}"`).join(', ');
  if (!Array.isArray(value) || value.length === 0) reader.fail('operations', `a non-empty list of ${oneOf}`);
  const chosen = new Set<LimitedOperation>();
  (value as unknown[]).forEach((operation, i) => {
    const key = `operations[${i}]`;
    if (!LIMITABLE.includes(operation as LimitedOperation)) reader.fail(key, `one of ${oneOf}`, operation);
    if (chosen.has(operation as LimitedOperation)) reader.fail(key, 'listed once', operation);
    chosen.add(operation as LimitedOperation);
  });
  return chosen;
}

const MAX_SHOWN = 128;
const NOUNS: Readonly<Record<string, string>> = {
  'resources/read': 'resource',
  'prompts/get': 'prompt',
  'completion/complete': 'completion for',
};

/** What a request names, for a message a model reads: "tool `search`", "resource `notes://1`". */
export function describeTarget(ctx: Pick<RequestContext, 'operation' | 'target'>): string {
  const target = ctx.target ?? '';
  const shown = target.length > MAX_SHOWN ? `${target.slice(0, MAX_SHOWN)}…` : target;
  const noun = NOUNS[ctx.operation];
  return noun === undefined ? `tool \`${shown}\`` : `${noun} \`${shown}\``;
}

/**
 * A limiter for its operations: `toolStep` itself when it counts tool calls (so the tool path is what it
 * was), with `requestStep` for the others; without tool calls, a middleware tool calls skip.
 */
export function limiterFor(
  name: string,
  operations: ReadonlySet<LimitedOperation>,
  toolStep: Middleware,
  requestStep: RequestHook,
): Middleware {
  const requests: Record<string, RequestHook> = {};
  for (const operation of operations) if (operation !== 'tools/call') requests[operation] = requestStep;
  const hooks = Object.keys(requests).length === 0 ? undefined : (requests as RequestHooks);
  if (!operations.has('tools/call')) return defineMiddleware(name, { requests: hooks ?? {} });
  if (hooks !== undefined) toolStep.requests = hooks;
  return toolStep;
}
