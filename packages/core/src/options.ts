/** Option checking for factories: every bad option becomes a ConfigError naming it and the accepted range. */
import { ConfigError } from './errors.js';
import { describeValue } from './result.js';

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

/** The closest of `candidates` to `word`, if it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** What a number option must be, as errors say it: `an integer from 1 to 2147483647`, `a number ≥ 0`. */
export function describeNumber(spec: {
  readonly kind: 'integer' | 'number';
  readonly min?: number | undefined;
  readonly max?: number | undefined;
}): string {
  const { min = -Infinity, max = Infinity } = spec;
  const kind = spec.kind === 'integer' ? 'an integer' : 'a number';
  if (min > -Infinity && max < Infinity) return `${kind} from ${min} to ${max}`;
  if (min > -Infinity) return `${kind} ≥ ${min}`;
  if (max < Infinity) return `${kind} ≤ ${max}`;
  return kind;
}

const METHOD_LIKE = /^[a-zA-Z/_-]{1,40}$/;

interface Range {
  readonly min?: number;
  readonly max?: number;
}

/** Reads and checks one factory's options. Create with {@link readOptions}. */
export class OptionReader {
  readonly #factory: string;
  readonly #prefix: string;
  readonly #options: Readonly<Record<string, unknown>>;

  constructor(factory: string, options: Readonly<Record<string, unknown>>, prefix = '') {
    this.#factory = factory;
    this.#options = options;
    this.#prefix = prefix;
  }

  /** The factory these options are for, as errors name it. */
  get factory(): string {
    return this.#factory;
  }

  /** The full path of an option, e.g. `tools.search.limit`. */
  path(key: string): string {
    return `${this.#prefix}${key}`;
  }

  /** Throws a ConfigError for `key`. */
  fail(key: string, expected: string, value: unknown = this.#options[key]): never {
    const path = this.path(key);
    throw new ConfigError(path, `${this.#factory}: ${path} must be ${expected}, got ${describeValue(value)}`);
  }

  /**
   * Reads a list of request methods (`operations`): non-empty, each one of `allowed`, none twice.
   * @returns the chosen set, or `defaults` when the option is absent
   */
  operations<T extends string>(key: string, allowed: readonly T[], defaults: readonly T[]): ReadonlySet<T> {
    const value = this.#options[key];
    if (value === undefined) return new Set(defaults);
    const oneOf = allowed.map((o) => `"${o}"`).join(', ');
    if (!Array.isArray(value) || value.length === 0) this.fail(key, `a non-empty list of ${oneOf}`);
    const chosen = new Set<T>();
    (value as unknown[]).forEach((operation, i) => {
      const at = `${key}[${i}]`;
      if (!allowed.includes(operation as T)) {
        // A method-like word is a typo worth naming; anything else is only described (it may be a secret).
        const shown =
          typeof operation === 'string' && METHOD_LIKE.test(operation) ? `"${operation}"` : undefined;
        if (shown === undefined) this.fail(at, `one of ${oneOf}`, operation);
        throw new ConfigError(
          this.path(at),
          `${this.#factory}: ${this.path(at)} must be one of ${oneOf}, got ${shown}`,
        );
      }
      if (chosen.has(operation as T)) this.fail(at, 'listed once', operation);
      chosen.add(operation as T);
    });
    return chosen;
  }

  /** The raw value, unchecked. */
  raw(key: string): unknown {
    return this.#options[key];
  }

  has(key: string): boolean {
    return this.#options[key] !== undefined;
  }

  number(key: string, range: Range & { readonly default: number; readonly integer?: boolean }): number;
  number(key: string, range?: Range & { readonly integer?: boolean }): number | undefined;
  number(
    key: string,
    range: Range & { readonly default?: number; readonly integer?: boolean } = {},
  ): number | undefined {
    const value = this.#options[key];
    if (value === undefined) return range.default;
    const { min = -Infinity, max = Infinity, integer = false } = range;
    const ok =
      typeof value === 'number' &&
      !Number.isNaN(value) &&
      value >= min &&
      value <= max &&
      (!integer || Number.isInteger(value));
    if (!ok) this.fail(key, describeNumber({ kind: integer ? 'integer' : 'number', min, max }));
    return value;
  }

  integer(key: string, range: Range & { readonly default: number }): number;
  integer(key: string, range?: Range): number | undefined;
  integer(key: string, range: Range & { readonly default?: number } = {}): number | undefined {
    return this.number(key, { ...range, integer: true });
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.fail(key, 'true or false');
    return value;
  }

  string(key: string, fallback: string): string;
  string(key: string): string | undefined;
  string(key: string, fallback?: string): string | undefined {
    const value = this.#options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value === '') this.fail(key, 'a non-empty string');
    return value;
  }

  oneOf<const T extends string>(key: string, values: readonly T[], fallback: T): T {
    const value = this.#options[key];
    if (value === undefined) return fallback;
    if (!values.includes(value as T)) this.fail(key, `one of ${values.map((v) => `"${v}"`).join(', ')}`);
    return value as T;
  }

  /** A list of non-empty strings (`nonEmpty`: and at least one). */
  strings(key: string, nonEmpty = false): readonly string[] | undefined {
    const value = this.#options[key];
    if (value === undefined) return undefined;
    const expected = nonEmpty ? 'a non-empty list of non-empty strings' : 'a list of non-empty strings';
    if (!Array.isArray(value) || (nonEmpty && value.length === 0)) this.fail(key, expected);
    (value as unknown[]).forEach((item, i) => {
      if (typeof item !== 'string' || item === '') this.fail(`${key}[${i}]`, 'a non-empty string', item);
    });
    return value as readonly string[];
  }

  function<F extends (...args: never[]) => unknown>(key: string): F | undefined {
    const value = this.#options[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'function') this.fail(key, 'a function');
    return value as F;
  }

  /** A nested options object, checked with its own known keys. */
  object(key: string, known: readonly string[]): OptionReader | undefined {
    const value = this.#options[key];
    if (value === undefined) return undefined;
    return readOptions(this.#factory, value, known, `${this.path(key)}.`);
  }
}

/**
 * Starts checking `options` for `factory`: rejects a non-object and unknown keys (with a did-you-mean).
 * `prefix` is the path of a nested object, ending in a dot.
 */
export function readOptions(
  factory: string,
  options: unknown,
  known: readonly string[],
  prefix = '',
): OptionReader {
  if (options === undefined) return new OptionReader(factory, {}, prefix);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const path = prefix === '' ? 'options' : prefix.slice(0, -1);
    throw new ConfigError(path, `${factory}: ${path} must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const guess = didYouMean(key, known);
      const path = `${prefix}${key}`;
      throw new ConfigError(
        path,
        `${factory}: unknown option ${path}${guess === undefined ? '' : ` (did you mean ${prefix}${guess}?)`}; ` +
          `known options: ${known.join(', ')}`,
      );
    }
  }
  return new OptionReader(factory, options as Record<string, unknown>, prefix);
}
