/**
 * One declaration per factory's options (kind, range, default, one line of doc), from which come the
 * factory's check (here), the config file's validation and its JSON Schema (in @mcp-middleware/config).
 */
import { ConfigError } from './errors.js';
import { describeNumber, OptionReader, readOptions } from './options.js';

export { describeNumber };

interface Documented {
  /** One line for editors and the config file's JSON Schema; the README holds the full story. */
  readonly doc: string;
  /** False when a config file cannot set it (a store instance, a clock): the file has no way to write one. */
  readonly inFile?: false;
  /** Allowed only when another option has this value (`maxWaitMs` only with `mode: 'queue'`). */
  readonly onlyWhen?: { readonly key: string; readonly is: string };
}

/** An integer or a number in [min, max]. */
export interface NumberSpec extends Documented {
  readonly kind: 'integer' | 'number';
  readonly min?: number;
  readonly max?: number;
  readonly default?: number;
  /** The factory refuses to run without it. */
  readonly required?: true;
  /** Code may also pass a function (rateLimit's `cost` per call); a file writes the number. */
  readonly orFunction?: true;
  /** Another number option of the same object this one may not be below (`maxDelayMs` ≥ `baseDelayMs`). */
  readonly atLeast?: string;
}
/** true or false. */
export interface BooleanSpec extends Documented {
  readonly kind: 'boolean';
  readonly default?: boolean;
  /** Code may also pass a function (a capture that chooses what to record); a file writes true or false. */
  readonly orFunction?: true;
}
/** A non-empty string. */
export interface StringSpec extends Documented {
  readonly kind: 'string';
  readonly default?: string;
  /** Shortest accepted length. @default 1 */
  readonly minLength?: number;
}
/** One of a few words. */
export interface OneOfSpec<T extends string = string> extends Documented {
  readonly kind: 'oneOf';
  readonly values: readonly T[];
  readonly default?: T;
  /** Code may also pass a function (cache's `scope` per tool); a file writes one of the words. */
  readonly orFunction?: true;
}
/** A list of non-empty strings (tool names or globs, argument paths, key names). */
export interface StringsSpec extends Documented {
  readonly kind: 'strings';
  readonly default?: readonly string[];
  /** Refuse an empty list. */
  readonly nonEmpty?: true;
}
/** The requests a middleware runs on: a non-empty list of `values`, each once. */
export interface OperationsSpec<T extends string = string> extends Documented {
  readonly kind: 'operations';
  readonly values: readonly T[];
  readonly default: readonly T[];
}
/** A function (a hook, a strategy): checked to be callable; never in a config file. */
export interface FunctionSpec extends Documented {
  readonly kind: 'function';
}
/**
 * Anything else (a store, a clock, a nested object, a JSON Schema map): the package checks it where it
 * reads it, and config declares its file shape, if it has one, beside the registry entry.
 */
export interface ValueSpec extends Documented {
  readonly kind: 'value';
  /** What the package uses when it is absent, for docs (the package applies it). */
  readonly default?: unknown;
}

/**
 * A nested options object with its own declaration (retry's `backoff`, `budget`). The package reads it
 * with that declaration where it also accepts a function or an instance (`orFunction`, an object with
 * methods); a file writes the object, or `false` where `orFalse` says so.
 */
export interface NestedSpec extends Documented {
  readonly kind: 'nested';
  readonly options: {
    readonly keys: readonly string[];
    readonly specs: Readonly<Record<string, OptionSpec>>;
  };
  readonly orFalse?: true;
  readonly default?: Readonly<Record<string, unknown>>;
}

/** How one option is declared. */
export type OptionSpec =
  | NestedSpec
  | NumberSpec
  | BooleanSpec
  | StringSpec
  | OneOfSpec
  | StringsSpec
  | OperationsSpec
  | FunctionSpec
  | ValueSpec;

/** Every key of `O`, each declared once: a missing or an extra key fails to compile. */
export type OptionSpecs<O> = { readonly [K in keyof O]-?: OptionSpec };

type WithDefault<S, V> = S extends { readonly default: unknown } | { readonly required: true }
  ? V
  : V | undefined;

/** The checked value of an option declared by `S`, whose type in the options interface is `T`. */
export type DeclaredValue<S, T> = S extends { readonly orFunction: true }
  ? T
  : S extends { readonly kind: 'integer' | 'number' }
    ? WithDefault<S, number>
    : S extends { readonly kind: 'boolean' }
      ? WithDefault<S, boolean>
      : S extends { readonly kind: 'string' }
        ? WithDefault<S, string>
        : S extends { readonly kind: 'oneOf'; readonly orFunction: true }
          ? T
          : S extends { readonly kind: 'oneOf'; readonly values: readonly (infer V)[] }
            ? WithDefault<S, V>
            : S extends { readonly kind: 'strings' }
              ? WithDefault<S, readonly string[]>
              : S extends { readonly kind: 'operations'; readonly values: readonly (infer V)[] }
                ? ReadonlySet<V>
                : S extends { readonly kind: 'function' }
                  ? Exclude<T, undefined> | undefined
                  : T;

/** Every option of `O`, checked and defaulted as `D` declares. */
export type DeclaredValues<O, D extends OptionSpecs<O>> = {
  readonly [K in keyof O & keyof D]-?: DeclaredValue<D[K], O[K]>;
};

/** What {@link OptionsDeclaration.read} gives: the checked values, and the reader for `value` options. */
export interface ReadOptions<O, D extends OptionSpecs<O>> {
  readonly values: DeclaredValues<O, D>;
  readonly reader: OptionReader;
}

/** The one declaration of a factory's options. Create with {@link declareOptions}. */
export class OptionsDeclaration<O, D extends OptionSpecs<O> = OptionSpecs<O>> {
  /** The factory's name, as its errors and config files write it (`circuitBreaker`). */
  readonly factory: string;
  readonly specs: D;
  /** The declared keys, in declaration order. */
  readonly keys: readonly (keyof O & string)[];

  constructor(factory: string, specs: D) {
    this.factory = factory;
    this.specs = specs;
    this.keys = Object.keys(specs) as (keyof O & string)[];
  }

  /**
   * Checks `options` once, when the factory runs: unknown keys (with a did-you-mean), then every declared
   * option in order. A bad one is a ConfigError naming it and what it must be. `value` options are returned
   * unchecked: the package checks them with `reader`. `prefix` and `factory` name a nested object in
   * errors (`retry: backoff.factor must be …`).
   */
  read(options: unknown, prefix = '', factory = this.factory): ReadOptions<O, D> {
    const reader = readOptions(factory, options, this.keys, prefix);
    const values: Record<string, unknown> = {};
    for (const key of this.keys) {
      const spec: OptionSpec = this.specs[key];
      if (spec.onlyWhen !== undefined && reader.has(key)) {
        const { key: other, is } = spec.onlyWhen;
        if (values[other] !== is)
          throw new ConfigError(
            reader.path(key),
            `${factory}: ${reader.path(key)} applies only with ${reader.path(other)}: "${is}"`,
          );
      }
      values[key] = readOne(reader, key, spec, values);
    }
    return { values: values as DeclaredValues<O, D>, reader };
  }
}

/**
 * Declares the options of `O` (curried so the specs keep their literal types):
 * `declareOptions<TimeoutOptions>()('timeout', { timeoutMs: integer({ min: 1, default: 30_000, doc }) })`.
 * The specs must name every key of `O` and no other, or the package does not compile.
 */
export function declareOptions<O>(): <const D extends OptionSpecs<O>>(
  factory: string,
  specs: D & Record<Exclude<keyof D, keyof O>, never>,
) => OptionsDeclaration<O, D> {
  return (factory, specs) => new OptionsDeclaration<O, typeof specs>(factory, specs);
}

function readOne(
  reader: OptionReader,
  key: string,
  spec: OptionSpec,
  before: Readonly<Record<string, unknown>>,
): unknown {
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      if (spec.orFunction === true && typeof reader.raw(key) === 'function') return reader.raw(key);
      if (spec.required === true && !reader.has(key))
        throw new ConfigError(
          reader.path(key),
          `${reader.factory}: ${reader.path(key)} is required (${describeNumber(spec)})`,
        );
      const floor = spec.atLeast === undefined ? undefined : before[spec.atLeast];
      return typeof floor === 'number'
        ? reader.number(key, {
            ...range(spec),
            min: Math.max(spec.min ?? -Infinity, floor),
            ...(spec.default === undefined ? {} : { default: Math.max(spec.default, floor) }),
            integer: spec.kind === 'integer',
          })
        : reader.number(key, { ...range(spec), integer: spec.kind === 'integer' });
    }
    case 'boolean': {
      if (!reader.has(key)) return spec.default;
      const raw = reader.raw(key);
      if (spec.orFunction === true && typeof raw !== 'boolean' && typeof raw !== 'function')
        reader.fail(key, 'true, false or a function');
      return spec.orFunction === true && typeof raw === 'function' ? raw : reader.boolean(key, false);
    }
    case 'string': {
      const value = reader.has(key) ? reader.string(key) : spec.default;
      if (value !== undefined && value.length < (spec.minLength ?? 1))
        reader.fail(key, `a string of at least ${spec.minLength} characters`);
      return value;
    }
    case 'oneOf': {
      if (!reader.has(key)) return spec.default;
      const raw = reader.raw(key);
      if (spec.orFunction === true && typeof raw === 'function') return raw;
      if (spec.orFunction === true && !spec.values.includes(raw as string))
        reader.fail(key, `${spec.values.map((v) => `"${v}"`).join(', ')} or a function`);
      return reader.oneOf(key, spec.values, spec.values[0] as string);
    }
    case 'strings':
      return reader.has(key) ? reader.strings(key, spec.nonEmpty === true) : spec.default;
    case 'operations':
      return reader.operations(key, spec.values, spec.default);
    case 'function':
      return reader.function(key);
    case 'value':
    case 'nested':
      return reader.raw(key);
  }
}

function range(spec: NumberSpec): { min?: number; max?: number; default?: number } {
  return {
    ...(spec.min === undefined ? {} : { min: spec.min }),
    ...(spec.max === undefined ? {} : { max: spec.max }),
    ...(spec.default === undefined ? {} : { default: spec.default }),
  };
}

type Doc = Omit<Documented, never>;

/** An integer option. */
export const integer = <const S extends Omit<NumberSpec, 'kind'>>(
  spec: S,
): S & { readonly kind: 'integer' } => ({
  ...spec,
  kind: 'integer',
});
/** A number option (fractions allowed). */
export const number = <const S extends Omit<NumberSpec, 'kind'>>(
  spec: S,
): S & { readonly kind: 'number' } => ({
  ...spec,
  kind: 'number',
});
/** A true/false option. */
export const boolean = <const S extends Omit<BooleanSpec, 'kind'>>(
  spec: S,
): S & { readonly kind: 'boolean' } => ({
  ...spec,
  kind: 'boolean',
});
/** A non-empty string option. */
export const string = <const S extends Omit<StringSpec, 'kind'>>(
  spec: S,
): S & { readonly kind: 'string' } => ({
  ...spec,
  kind: 'string',
});
/** One of `values`. */
export const oneOf = <const T extends string, const S extends Omit<OneOfSpec<T>, 'kind' | 'values'>>(
  values: readonly T[],
  spec: S,
): S & { readonly kind: 'oneOf'; readonly values: readonly T[] } => ({ ...spec, kind: 'oneOf', values });
/** A list of non-empty strings. */
export const strings = <const S extends Omit<StringsSpec, 'kind'>>(
  spec: S,
): S & { readonly kind: 'strings' } => ({
  ...spec,
  kind: 'strings',
});
/** The requests a middleware runs on: a non-empty list of `values`, each once; all of them by default. */
export const operations = <const T extends string>(
  values: readonly T[],
  spec: Doc & { readonly default?: readonly T[] },
): OperationsSpec<T> & { readonly kind: 'operations'; readonly values: readonly T[] } => ({
  ...spec,
  kind: 'operations',
  values,
  default: spec.default ?? values,
});
/** A function option (a hook, a strategy). */
export const fn = (doc: string): FunctionSpec => ({ kind: 'function', doc, inFile: false });
/** A nested options object declared by `options`; the package reads it (see {@link NestedSpec}). */
export const nested = <const S extends Omit<NestedSpec, 'kind' | 'options'>>(
  options: NestedSpec['options'],
  spec: S,
): S & { readonly kind: 'nested'; readonly options: NestedSpec['options'] } => ({
  ...spec,
  kind: 'nested',
  options,
});
/** Any other value, checked by the package where it reads it. */
export const value = <const S extends Doc>(spec: S): S & { readonly kind: 'value' } => ({
  ...spec,
  kind: 'value',
});
