/** The `stores:` section opened: one client per named store, handed to factories, closed with the pipeline. */
import { ConfigError } from '@mcp-middleware/core';
import { defaultRedis, isConfigError, thrownBy } from './create-one.js';
import { formatPath, type ConfigProblem } from './errors.js';
import type { BuildContext, SharedStore } from './registry.js';
import type { StoreConfig } from './validate.js';

/** Creates a Redis client for a `redis` store's URL. */
export type RedisClientFactory = (url: string) => unknown;

/** The named stores of one pipeline and the connections they hold open. */
export class SharedStores {
  readonly #stores = new Map<string, SharedStore>();
  readonly #closers: (() => Promise<void>)[] = [];

  /** Opens every store; a client factory that throws is a problem at `stores.<name>.url`. */
  static async open(
    stores: Readonly<Record<string, StoreConfig>>,
    redisClient: RedisClientFactory | undefined,
    problems: ConfigProblem[],
  ): Promise<SharedStores> {
    const opened = new SharedStores();
    for (const [name, store] of Object.entries(stores)) {
      if (store.type === 'memory') opened.#stores.set(name, { type: 'memory' });
      else await opened.#openRedis(name, store, redisClient, problems);
    }
    return opened;
  }

  async #openRedis(
    name: string,
    store: Extract<StoreConfig, { type: 'redis' }>,
    redisClient: RedisClientFactory | undefined,
    problems: ConfigProblem[],
  ): Promise<void> {
    let client: unknown;
    try {
      client = redisClient?.(store.url) ?? (await defaultRedis(store.url));
    } catch (error) {
      const reason = isConfigError(error) ? error : thrownBy('the Redis client factory', error);
      problems.push({ path: formatPath(['stores', name, 'url']), message: reason.message });
      return;
    }
    this.#closers.push(async () => {
      try {
        await (client as { quit(): Promise<unknown> }).quit();
      } catch {
        // a client that cannot quit has nothing left to close
      }
    });
    this.#stores.set(name, { type: 'redis', client, prefix: store.prefix ?? 'mcp-middleware:' });
  }

  /** What factories may ask of the pipeline: a store by name, the metrics registry. */
  context(metricsRegistry: unknown): BuildContext {
    return {
      metricsRegistry,
      store: (name) => {
        const found = this.#stores.get(name);
        if (found === undefined)
          throw new ConfigError(
            'store',
            `no store named "${name}" under stores; declared: ${[...this.#stores.keys()].join(', ') || 'none'}`,
          );
        return found;
      },
    };
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await Promise.all(this.#closers.map((close) => close()));
  }
}
