/** A prom-client Counter whose per-call increments wait in plain numbers until the counter is read. */
import { Counter, type CounterConfiguration } from 'prom-client';

/** A label set the counts are kept under: one frozen object per series, so it is found by identity. */
type Base = Readonly<Partial<Record<string, string>>>;

/**
 * prom-client's `inc()` builds a string from the label set and looks it up in a dictionary on every call.
 * `add()` counts under a prebuilt label set and one more label's value; `collect()` (which prom-client runs
 * before every read: a scrape, `get()`) hands the counts to the counter itself. `inc()` still works.
 */
export class DeferredCounter<T extends string> extends Counter<T> {
  // Declared, not initialised as fields: prom-client's constructor calls reset() before fields exist.
  declare private pending: Map<Base, Map<string, number>> | undefined;
  declare private label: T;

  constructor(config: Omit<CounterConfiguration<T>, 'collect'>, label: T) {
    super({
      ...config,
      collect(this: Counter<T>) {
        (this as DeferredCounter<T>).flush();
      },
    });
    this.label = label;
    this.pending = new Map();
  }

  /** Counts one event of the series `base` whose `label` is `value`. */
  add(base: Base, value: string): void {
    const pending = this.pending as Map<Base, Map<string, number>>;
    let counts = pending.get(base);
    if (counts === undefined) pending.set(base, (counts = new Map<string, number>()));
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }

  /** Hands every waiting count to the counter. */
  flush(): void {
    for (const [base, counts] of this.pending ?? []) {
      for (const [value, count] of counts) {
        if (count === 0) continue;
        counts.set(value, 0);
        this.inc({ ...base, [this.label]: value } as Partial<Record<T, string>>, count);
      }
    }
  }

  override reset(): void {
    super.reset();
    this.pending?.clear();
  }
}
