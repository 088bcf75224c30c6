/**
 * A config file's options for a middleware, derived from the package's one declaration
 * (`@mcp-middleware/<name>/options`): the same kinds, ranges and words the factory checks, so a file
 * accepts exactly what the factory accepts, and the same docs and defaults for the JSON Schema.
 */
import type { OptionSpec, OptionsDeclaration } from '@mcp-middleware/core/options';
import { describeNumber } from '@mcp-middleware/core/options';
import { z } from 'zod/v4';
import { flag, oneOf, text, textList } from './schema-helpers.js';

/** One line of doc and, where there is one, the default, for the JSON Schema's hovers. */
export type OptionDoc = readonly [description: string, fallback?: unknown];

/** A declaration seen without its options type: what tests and docs need of it. */
export interface DeclarationView {
  readonly factory: string;
  readonly keys: readonly string[];
  readonly specs: Readonly<Record<string, OptionSpec>>;
}

/** A config-only key (one the factory does not have) with its file schema and doc. */
export interface FileOnly {
  readonly schema: z.ZodType;
  readonly doc: OptionDoc;
}

/** How a config file writes a middleware's options. */
export interface FileOptions {
  readonly schema: z.ZodObject;
  /** The declaration the schema comes from, so a test can check the two agree. */
  readonly declaration: DeclarationView;
  /** Declared options config sets itself (a file writes them another way). */
  readonly omitted: readonly string[];
  /** Keys only a file has. */
  readonly fileOnly: readonly string[];
  /** Rules between options the schema cannot hold (see {@link crossRules}). */
  readonly crossCheck?: (options: Readonly<Record<string, unknown>>) => CrossProblem[];
  readonly docs: Readonly<Record<string, OptionDoc>>;
}

const expected = (what: string) => ({ error: `expected ${what}` });

/** The file schema of one declared option, or undefined for one a file cannot set (a function, a store). */
export function specSchema(spec: OptionSpec): z.ZodType | undefined {
  if (spec.inFile === false) return undefined;
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const e = expected(describeNumber(spec));
      let schema = z.number(e);
      if (spec.kind === 'integer') schema = schema.int(e);
      if (spec.min !== undefined) schema = schema.min(spec.min, e);
      if (spec.max !== undefined) schema = schema.max(spec.max, e);
      return spec.required === true ? schema : schema.optional();
    }
    case 'boolean':
      return flag().optional();
    case 'string': {
      const min = spec.minLength ?? 1;
      return (min > 1 ? text().min(min, expected(`at least ${min} characters`)) : text()).optional();
    }
    case 'oneOf':
      return oneOf(spec.values as [string, ...string[]]).optional();
    case 'strings':
      return (spec.nonEmpty === true ? textList().min(1, expected('at least one')) : textList()).optional();
    case 'operations':
      return z
        .array(oneOf(spec.values as [string, ...string[]]))
        .min(1, expected('at least one operation'))
        .refine((list) => new Set(list).size === list.length, expected('each operation once'))
        .optional();
    case 'nested': {
      const object = objectOf(spec.options.specs);
      const keys = Object.keys(object.shape).join(', ');
      return (
        spec.orFalse === true ? z.union([z.literal(false), object], expected(`false or { ${keys} }`)) : object
      ).optional();
    }
    case 'function':
      return undefined;
    case 'value':
      return undefined;
  }
}

// A strict object of the options a file can write, with each `atLeast` floor checked against its sibling
// (or the sibling's default), as the factory checks it.
function objectOf(
  specs: Readonly<Record<string, OptionSpec>>,
  extra: Record<string, z.ZodType> = {},
): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const schema = specSchema(spec);
    if (schema !== undefined) shape[key] = schema;
  }
  return withFloors(z.strictObject({ ...shape, ...extra }), specs);
}

/** A problem one option has with another: its key and the message. */
export interface CrossProblem {
  readonly key: string;
  readonly message: string;
}

/**
 * The rules between options: an `atLeast` floor set by a sibling (or its default) and an `onlyWhen`
 * condition, checked as the factory checks them. Undefined when `specs` has none.
 */
export function crossRules(
  specs: Readonly<Record<string, OptionSpec>>,
): ((value: Readonly<Record<string, unknown>>) => CrossProblem[]) | undefined {
  const floors = Object.entries(specs).flatMap(([key, spec]) =>
    (spec.kind === 'integer' || spec.kind === 'number') && spec.atLeast !== undefined
      ? [{ key, spec, sibling: spec.atLeast }]
      : [],
  );
  const conditional = Object.entries(specs).flatMap(([key, spec]) =>
    spec.onlyWhen === undefined ? [] : [{ own: key, other: spec.onlyWhen.key, is: spec.onlyWhen.is }],
  );
  if (floors.length === 0 && conditional.length === 0) return undefined;
  const defaultOf = (key: string): unknown => {
    const spec = specs[key];
    return spec !== undefined && 'default' in spec ? spec.default : undefined;
  };
  return (value) => {
    const problems: CrossProblem[] = [];
    for (const { key, spec, sibling } of floors) {
      const own = value[key];
      const floor = value[sibling] ?? defaultOf(sibling);
      if (typeof own === 'number' && typeof floor === 'number' && own < floor)
        problems.push({
          key,
          message: `expected ${describeNumber({ ...spec, min: Math.max(spec.min ?? -Infinity, floor) })}`,
        });
    }
    for (const { own, other, is } of conditional)
      if (value[own] !== undefined && (value[other] ?? defaultOf(other)) !== is)
        problems.push({ key: own, message: `applies only with ${other}: "${is}"` });
    return problems;
  };
}

// A nested object carries its rules as a refinement (config never makes it partial).
function withFloors(object: z.ZodObject, specs: Readonly<Record<string, OptionSpec>>): z.ZodObject {
  const rules = crossRules(specs);
  if (rules === undefined) return object;
  return object.superRefine((value: Record<string, unknown>, ctx) => {
    for (const { key, message } of rules(value)) ctx.addIssue({ code: 'custom', path: [key], message });
  });
}

/**
 * The file options of `declaration`: every declared option a file can write, `shapes` for declared
 * `value` options whose file shape config knows (a nested object), and `fileOnly` keys config adds
 * (a store's name, a flag that stands for a function). A `value` option without a shape and not
 * marked `inFile: false` is a mistake, caught when the module loads.
 */
export function fileOptions<O>(
  declaration: OptionsDeclaration<O>,
  extras: {
    readonly shapes?: Readonly<Partial<Record<keyof O & string, z.ZodType>>>;
    readonly fileOnly?: Readonly<Record<string, FileOnly>>;
    /** Declared options a file cannot write because config sets them (`cacheable` is written `tools`). */
    readonly omit?: readonly (keyof O & string)[];
  } = {},
): FileOptions {
  const shape: Record<string, z.ZodType> = {};
  const docs: Record<string, OptionDoc> = {};
  const specs = declaration.specs as Readonly<Record<string, OptionSpec>>;
  for (const key of declaration.keys) {
    if (extras.omit?.includes(key) === true) continue;
    const spec = specs[key] as OptionSpec;
    const given = (extras.shapes as Record<string, z.ZodType> | undefined)?.[key];
    const schema = given?.optional() ?? specSchema(spec);
    if (schema === undefined) {
      if (spec.kind === 'value' && spec.inFile !== false)
        throw new Error(
          `${declaration.factory}.${key}: a value option needs its file shape, or inFile: false`,
        );
      continue;
    }
    shape[key] = schema;
    docs[key] = docOf(spec);
  }
  const rules = crossRules(specs);
  for (const [key, extra] of Object.entries(extras.fileOnly ?? {})) {
    shape[key] = extra.schema.optional();
    docs[key] = extra.doc;
  }
  return {
    // The top object stays free of refinements: per-tool settings use its partial() and the gateway
    // extends it. Its rules between options run beside it (validate.ts).
    schema: z.strictObject(shape),
    ...(rules === undefined ? {} : { crossCheck: rules }),
    docs,
    declaration: declaration,
    omitted: extras.omit ?? [],
    fileOnly: Object.keys(extras.fileOnly ?? {}),
  };
}

function docOf(spec: OptionSpec): OptionDoc {
  const required = 'required' in spec && spec.required === true;
  const fallback =
    spec.kind === 'nested'
      ? nestedDefaults(spec.options.specs)
      : 'default' in spec
        ? spec.default
        : undefined;
  return fallback === undefined ? [required ? `${spec.doc} (required)` : spec.doc] : [spec.doc, fallback];
}

// The defaults of a nested object's file options, for its JSON Schema default.
function nestedDefaults(specs: Readonly<Record<string, OptionSpec>>): Record<string, unknown> | undefined {
  const defaults: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs))
    if (specSchema(spec) !== undefined && 'default' in spec && spec.default !== undefined)
      defaults[key] = spec.default;
  return Object.keys(defaults).length === 0 ? undefined : defaults;
}

/**
 * The file object of a declaration that a config-only key writes whole (auth's `jwt:` is jwt()'s options):
 * its declared options as {@link fileOptions} derives them, `shapes` for its `value` options, `fileOnly`
 * keys config adds, and `required`: the keys a file must write (the factory refuses to run without them;
 * a `value` option's declaration cannot say so). Each property carries its doc and default for the JSON
 * Schema, since the registry's docs cover only an entry's top-level keys.
 */
export function declaredObject<O>(
  declaration: OptionsDeclaration<O>,
  extras: {
    readonly shapes?: Readonly<Partial<Record<keyof O & string, z.ZodType>>>;
    readonly fileOnly?: Readonly<Record<string, FileOnly>>;
    readonly required?: readonly string[];
  } = {},
): z.ZodObject {
  const specs = declaration.specs as Readonly<Record<string, OptionSpec>>;
  const shape: Record<string, z.ZodType> = {};
  const add = (key: string, schema: z.ZodType, [description, fallback]: OptionDoc): void => {
    const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
    const meta = { description, ...(fallback === undefined ? {} : { default: fallback }) };
    shape[key] = (extras.required?.includes(key) === true ? inner : inner.optional()).meta(meta);
  };
  for (const key of declaration.keys) {
    const spec = specs[key] as OptionSpec;
    const schema = (extras.shapes as Record<string, z.ZodType> | undefined)?.[key] ?? specSchema(spec);
    if (schema !== undefined) add(key, schema, docOf(spec));
    else if (spec.kind === 'value' && spec.inFile !== false)
      throw new Error(`${declaration.factory}.${key}: a value option needs its file shape, or inFile: false`);
  }
  for (const [key, extra] of Object.entries(extras.fileOnly ?? {})) add(key, extra.schema, extra.doc);
  return withFloors(z.strictObject(shape), specs);
}
