/**
 * The registry entries of the safe-writes middlewares (approval, idempotency) and the cache options that
 * make writes invalidate reads. Factories are imported when a pipeline names them, as in builtins.ts.
 */
import { z } from 'zod';
import { APPROVAL_OPTIONS } from '@mcp-middleware/approval/options';
import { IDEMPOTENCY_OPTIONS } from '@mcp-middleware/idempotency/options';
import { fileOptions } from './declared.js';
import type { BuildContext, RegistryEntry } from './registry.js';
import { storeName, text, textList } from './schema-helpers.js';

type Options = Record<string, unknown>;

/** `options` without `drop` and without undefined values. */
function without(options: Options, drop: readonly string[]): Options {
  return Object.fromEntries(
    Object.entries(options).filter(([key, value]) => value !== undefined && !drop.includes(key)),
  );
}

/** The Redis client and prefix of the named shared store, or undefined for a memory store or none. */
function sharedRedis(
  context: BuildContext,
  name: unknown,
  suffix: string,
): { client: never; prefix: string } | undefined {
  if (typeof name !== 'string') return undefined;
  const store = context.store(name);
  return store.type === 'redis'
    ? { client: store.client as never, prefix: `${store.prefix}${suffix}` }
    : undefined;
}

const toolGlobs = textList().min(1, { error: 'expected at least one tool glob' });
/** `{ "<tool glob>": [names] }`: idempotency's keyArgs, cache's invalidates. */
export const globLists = z.record(z.string().min(1), textList(), {
  error: 'expected a map of tool globs to lists of names',
});

const approvalEntry: RegistryEntry = {
  name: 'approval',
  description: 'destructive tools run only after a human approved the call (elicitation or input_required)',
  ...fileOptions(APPROVAL_OPTIONS, {
    shapes: {
      tools: toolGlobs,
      secret: text().min(32, { error: 'expected at least 32 characters (use ${ENV_VAR})' }),
    },
  }),
  async create(options) {
    const { approval } = await import('@mcp-middleware/approval');
    return approval(without(options, []));
  },
};

const idempotencyEntry: RegistryEntry = {
  name: 'idempotency',
  description: 'a repeated write with the same idempotency key (per principal) answered once',
  ...fileOptions(IDEMPOTENCY_OPTIONS, {
    shapes: { tools: toolGlobs, keyArgs: globLists },
    fileOnly: {
      store: {
        schema: storeName(),
        doc: ['a store from stores: (default: in memory); redis shares keys across replicas'],
      },
    },
  }),
  async create(options, context) {
    const { idempotency, redisStore } = await import('@mcp-middleware/idempotency');
    const redis = sharedRedis(context, options.store, 'idempotency:');
    return idempotency({
      ...(without(options, ['store']) as Parameters<typeof idempotency>[0]),
      ...(redis === undefined ? {} : { store: redisStore(redis) }),
    });
  },
};

/** The entries, in pipeline order: after validation, before cache. */
export const writeEntries: readonly RegistryEntry[] = [approvalEntry, idempotencyEntry];
