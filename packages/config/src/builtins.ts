/**
 * The registry of this project's middlewares, as config files name them, in the recommended order.
 * Each factory is imported when a pipeline names it, so a rateLimit-only config never loads pino,
 * prom-client or OpenTelemetry (optional peers), and loading a file to check it stays cheap.
 */
import { CACHE_OPTIONS } from '@mcp-middleware/cache/options';
import { CONCURRENCY_LIMIT_OPTIONS, RATE_LIMIT_OPTIONS } from '@mcp-middleware/ratelimit/options';
import { CIRCUIT_BREAKER_OPTIONS } from '@mcp-middleware/circuit-breaker/options';
import { LOGGING_OPTIONS, PINO_LEVELS } from '@mcp-middleware/logging/options';
import { METRICS_OPTIONS } from '@mcp-middleware/metrics/options';
import { RETRY_OPTIONS } from '@mcp-middleware/retry/options';
import { TIMEOUT_OPTIONS } from '@mcp-middleware/timeout/options';
import { TRACING_OPTIONS } from '@mcp-middleware/tracing/options';
import { VALIDATION_OPTIONS } from '@mcp-middleware/validation/options';
import { KEY_PARTS, type KeyPart } from '@mcp-middleware/core/helpers';
import { z } from 'zod/v4';
import { authEntry } from './builtins-auth.js';
import { fileOptions } from './declared.js';
import { globLists, writeEntries } from './builtins-writes.js';
import type { BuildContext, RegistryEntry, SharedStore } from './registry.js';
import { flag, oneOf, storeName, text, textList } from './schema-helpers.js';

type Options = Record<string, unknown>;

/** Options without the config-only keys, and without keys whose value is undefined. */
function pick(options: Options, drop: readonly string[]): Options {
  const out: Options = {};
  for (const [key, value] of Object.entries(options))
    if (!drop.includes(key) && value !== undefined) out[key] = value;
  return out;
}

function redisOf(
  context: BuildContext,
  name: unknown,
  suffix: string,
): (SharedStore & { type: 'redis' }) | undefined {
  if (typeof name !== 'string') return undefined;
  const store = context.store(name);
  return store.type === 'redis' ? { ...store, prefix: `${store.prefix}${suffix}` } : undefined;
}

// keyBy as rateLimit, concurrencyLimit and circuitBreaker read it (core's compileKeyBy), without functions.
const keyPart = oneOf(KEY_PARTS as readonly [KeyPart, ...KeyPart[]]);
const keyBy = z.union([keyPart, z.array(keyPart)], {
  error: `expected ${KEY_PARTS.map((part) => `"${part}"`).join(', ')} or a list of them`,
});
// An option that picks tools, as a file writes it: one name glob ("!" negates) or a list of them.
const toolGlobs = z.union([text(), textList().min(1)], {
  error: 'expected a tool glob or a non-empty list of them',
});
const jsonSchema = z.record(z.string(), z.unknown(), { error: 'expected a JSON Schema object' });

const tracingEntry: RegistryEntry = {
  name: 'tracing',
  description: 'OpenTelemetry spans per the MCP semantic conventions (uses the globally registered SDK)',
  ...fileOptions(TRACING_OPTIONS),
  create: async (options) => (await import('@mcp-middleware/tracing')).tracing(pick(options, [])),
};

const metricsEntry: RegistryEntry = {
  name: 'metrics',
  description:
    'Prometheus metrics of every request, named after the OpenTelemetry MCP conventions (and through the OTel meter API with otel: true)',
  ...fileOptions(METRICS_OPTIONS, {
    shapes: {
      buckets: z
        .array(z.number().positive(), { error: 'expected a list of positive numbers of seconds' })
        .min(1, { error: 'expected at least one bucket' })
        .refine((list) => list.every((bound, i) => i === 0 || bound > (list[i - 1] as number)), {
          error: 'expected strictly ascending numbers of seconds',
        }),
    },
    fileOnly: {
      otel: { schema: flag(), doc: ['also record through the global OpenTelemetry meter', false] },
    },
  }),
  create: async (options, context) =>
    (await import('@mcp-middleware/metrics')).metrics({
      ...pick(options, ['otel']),
      ...(options.otel === true ? { meter: 'global' as const } : {}),
      ...(context.metricsRegistry === undefined ? {} : { registry: context.metricsRegistry as never }),
    }),
};

const logLevel = oneOf(PINO_LEVELS);
const loggingEntry: RegistryEntry = {
  name: 'logging',
  description: 'one structured pino line per failed or rejected call, on stderr, redacted',
  ...fileOptions(LOGGING_OPTIONS, {
    shapes: {
      levels: z.strictObject({
        success: logLevel.optional(),
        toolError: logLevel.optional(),
        rejected: logLevel.optional(),
        failed: logLevel.optional(),
        inputRequired: logLevel.optional(),
      }),
      redact: z.array(
        text().refine((path) => path.split('.').every((part) => part !== ''), {
          error: 'expected a dot-separated argument path',
        }),
        { error: 'expected a list of dot-separated argument paths' },
      ),
    },
  }),
  create: async (options) => (await import('@mcp-middleware/logging')).logging(pick(options, [])),
};

const rateLimitEntry: RegistryEntry = {
  name: 'rateLimit',
  description: 'at most `limit` calls per `windowMs`, per principal and tool by default',
  ...fileOptions(RATE_LIMIT_OPTIONS, {
    shapes: { keyBy },
    fileOnly: { store: { schema: storeName(), doc: ['a store named under stores: (default: in memory)'] } },
  }),
  async create(options, context) {
    const { rateLimit, redisStore: redisLimitStore } = await import('@mcp-middleware/ratelimit');
    const redis = redisOf(context, options.store, 'ratelimit:');
    return rateLimit({
      ...(pick(options, ['store']) as unknown as Parameters<typeof rateLimit>[0]),
      ...(redis === undefined
        ? {}
        : { store: redisLimitStore({ client: redis.client as never, prefix: redis.prefix }) }),
    });
  },
};

const concurrencyEntry: RegistryEntry = {
  name: 'concurrencyLimit',
  description: 'at most `max` calls in flight (a bulkhead), with an optional bounded queue',
  ...fileOptions(CONCURRENCY_LIMIT_OPTIONS, { shapes: { keyBy } }),
  async create(options) {
    const { concurrencyLimit } = await import('@mcp-middleware/ratelimit');
    return concurrencyLimit(pick(options, []) as unknown as Parameters<typeof concurrencyLimit>[0]);
  },
};

const validationEntry: RegistryEntry = {
  name: 'validation',
  description: 'payload guards, JSON Schemas for tools the SDK does not check, output limits',
  ...fileOptions(VALIDATION_OPTIONS, {
    shapes: {
      tools: z.record(
        z.string(),
        z.strictObject({ inputSchema: jsonSchema.optional(), outputSchema: jsonSchema.optional() }),
      ),
    },
  }),
  create: async (options) => (await import('@mcp-middleware/validation')).validation(pick(options, [])),
};

const cacheEntry: RegistryEntry = {
  name: 'cache',
  description: 'results of read-only tools (and, opted in, resource reads), per principal, single-flight',
  ...fileOptions(CACHE_OPTIONS, {
    shapes: { cacheable: toolGlobs, invalidates: globLists },
    fileOnly: {
      tools: { schema: textList(), doc: ['deprecated: the old name of cacheable (default: none)'] },
      store: { schema: storeName(), doc: ['a store named under stores: (default: in memory)'] },
    },
  }),
  async create(options, context) {
    const { cache, redisStore: redisCacheStore } = await import('@mcp-middleware/cache');
    const redis = redisOf(context, options.store, 'cache:');
    return cache({
      ...(pick(options, ['store', 'tools']) as Parameters<typeof cache>[0]),
      ...(options.tools === undefined || options.cacheable !== undefined
        ? {}
        : { cacheable: options.tools as string[] }),
      ...(redis === undefined
        ? {}
        : { store: redisCacheStore({ client: redis.client as never, prefix: redis.prefix }) }),
    });
  },
};

const retryEntry: RegistryEntry = {
  name: 'retry',
  description:
    'exponential backoff with full jitter, for read-only or idempotent tools, resource reads and prompt gets',
  ...fileOptions(RETRY_OPTIONS, {
    shapes: {
      idempotent: z.union([flag(), toolGlobs], {
        error: 'expected true, false, a tool glob or a non-empty list of them',
      }),
    },
  }),
  create: async (options) => (await import('@mcp-middleware/retry')).retry(pick(options, [])),
};

const breakerEntry: RegistryEntry = {
  name: 'circuitBreaker',
  description: 'a breaker per tool, resource URI scheme and prompt: fail fast while a dependency is down',
  ...fileOptions(CIRCUIT_BREAKER_OPTIONS, { shapes: { keyBy } }),
  create: async (options) =>
    (await import('@mcp-middleware/circuit-breaker')).circuitBreaker(pick(options, [])),
};

const timeoutEntry: RegistryEntry = {
  name: 'timeout',
  description: 'a deadline per tool call, resource read and prompt get; the handler sees an aborted signal',
  ...fileOptions(TIMEOUT_OPTIONS),
  create: async (options) => (await import('@mcp-middleware/timeout')).timeout(pick(options, [])),
};

/** Every built-in middleware a config file may name, in the recommended pipeline order. */
export const builtins: readonly RegistryEntry[] = [
  tracingEntry,
  metricsEntry,
  loggingEntry,
  authEntry,
  rateLimitEntry,
  concurrencyEntry,
  validationEntry,
  ...writeEntries,
  cacheEntry,
  retryEntry,
  breakerEntry,
  timeoutEntry,
];
