/** Schema checks: zod (v3 and v4, or any Standard Schema), raw zod shapes, and JSON Schema through ajv. */
import type { Ajv, ErrorObject } from 'ajv';
import { Ajv as AjvDraft7 } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  MISSING,
  ROOT_PATH,
  brief,
  describeReceived,
  formatPath,
  mismatch,
  missing,
  unknownProperty,
  valueAt,
  type ValidationIssue,
} from './issues.js';
import type { PathSegment } from './payload.js';

/** Any schema with the Standard Schema interface: zod 3.25+ and 4 (classic and mini), valibot, arktype. */
export interface StandardSchemaLike {
  readonly '~standard': { readonly validate: (value: unknown) => unknown };
}

/** An object shape as `McpServer.registerTool` accepts it: `{ text: z.string() }`. */
export type RawShape = { readonly [key: string]: StandardSchemaLike };

/** A JSON Schema object (2020-12 unless `$schema` names draft-07, draft-06, draft-04 or 2019-09). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A schema `validation()` accepts: a Standard Schema (zod), a raw shape, or a JSON Schema object. */
export type SchemaSpec = StandardSchemaLike | RawShape | JsonSchema;

/** What a check says: `undefined` valid as is; `{ value }` valid and parsed to `value`; an array, the issues. */
export type Verdict = undefined | { readonly value: unknown } | readonly ValidationIssue[];

/** A compiled schema check. */
export type Check = (value: unknown) => Verdict | Promise<Verdict>;

/** A compiled ajv validator, as much of it as `validation()` reads. */
export interface AjvValidate {
  (data: unknown): boolean | Promise<unknown>;
  errors?: ErrorObject[] | null | undefined;
}

/** The part of an ajv instance `validation()` uses, so any ajv class (draft-07, 2019, 2020) fits. */
export interface AjvCompiler {
  compile(schema: object): AjvValidate;
}

/** True for a thenable, without touching anything else on the value. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** True when any item of `list` is a thenable. */
export function hasPending(list: readonly unknown[]): boolean {
  for (const item of list) if (isPromiseLike(item)) return true;
  return false;
}

/** True for a Standard Schema (zod 3.25+ and 4 implement it). */
export function isStandardSchema(value: unknown): value is StandardSchemaLike {
  if (typeof value !== 'object' || value === null) return false;
  const standard = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof standard === 'object' &&
    standard !== null &&
    typeof (standard as { validate?: unknown }).validate === 'function'
  );
}

/** True for a zod schema of either major version, detected the way the SDK does (`_zod` is v4). */
export function isZodSchema(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as { _zod?: unknown; _def?: unknown; safeParse?: unknown };
  return (
    (typeof record._zod === 'object' && record._zod !== null) ||
    (typeof record._def === 'object' && typeof record.safeParse === 'function')
  );
}

/** True for a raw shape: a plain object whose every value is a Standard Schema. */
export function isRawShape(value: unknown): value is RawShape {
  return everyValue(value, isStandardSchema);
}

function everyValue(value: unknown, test: (item: unknown) => boolean): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => test((value as Record<string, unknown>)[key]));
}

/** True for a schema the SDK's McpServer checks itself: a zod schema or a raw shape of them. */
export function isSdkSchema(value: unknown): boolean {
  const isZod = (item: unknown): boolean => isStandardSchema(item) || isZodSchema(item);
  return isZod(value) || everyValue(value, isZod);
}

type StandardIssue = {
  readonly message?: unknown;
  readonly path?: readonly unknown[];
  readonly code?: unknown;
  readonly expected?: unknown;
  readonly keys?: unknown;
};

function segmentOf(segment: unknown): PathSegment {
  const key = typeof segment === 'object' && segment !== null ? (segment as { key?: unknown }).key : segment;
  if (typeof key === 'number' || typeof key === 'string') return key;
  return String(key);
}

// Maps one Standard Schema issue; the extra fields zod puts on issues make the message sharper.
// `path` is relative to `input`; `base` is where `input` sits in the arguments.
function fromStandardIssue(
  issue: StandardIssue,
  input: unknown,
  base: readonly PathSegment[],
): ValidationIssue[] {
  const path = Array.isArray(issue.path) ? issue.path.map(segmentOf) : [];
  const full = [...base, ...path];
  if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys)) {
    return (issue.keys as unknown[]).map((key) => unknownProperty([...full, String(key)]));
  }
  const value = valueAt(input, path);
  if (issue.code === 'invalid_type' && typeof issue.expected === 'string') {
    return [mismatch(full, issue.expected, value)];
  }
  if (issue.code === 'invalid_union')
    return [mismatch(full, 'a value matching one of the allowed forms', value)];
  if (value === MISSING) return [missing(full)];
  const text = typeof issue.message === 'string' ? issue.message : 'a valid value';
  const received = describeReceived(value);
  return [{ path: formatPath(full), message: `${text} (received ${received})`, expected: text, received }];
}

function standardCheck(schema: StandardSchemaLike, base: readonly PathSegment[] = []): Check {
  const standard = schema['~standard'];
  const verdictOf = (result: unknown, input: unknown): Verdict => {
    const issues = (result as { issues?: unknown }).issues;
    if (!Array.isArray(issues)) return result as { readonly value: unknown };
    return (issues as StandardIssue[]).flatMap((issue) => fromStandardIssue(issue, input, base));
  };
  return (value) => {
    const result = standard.validate(value);
    return isPromiseLike(result)
      ? Promise.resolve(result).then((settled) => verdictOf(settled, value))
      : verdictOf(result, value);
  };
}

// A raw shape validates key by key, like the object schema the SDK builds from it: the parsed value
// holds the shape's keys only.
function shapeCheck(shape: RawShape): Check {
  const keys = Object.keys(shape);
  const checks = keys.map((key) => standardCheck(shape[key] as StandardSchemaLike, [key]));
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [mismatch([], 'an object', value)];
    }
    const record = value as Record<string, unknown>;
    // Typed loosely: Promise.all settles the promises among them.
    const verdicts: unknown[] = checks.map((check, i) => {
      const key = keys[i] as string;
      return check(Object.hasOwn(record, key) ? record[key] : undefined);
    });
    return hasPending(verdicts)
      ? Promise.all(verdicts).then((settled) => settleShape(keys, record, settled as Verdict[]))
      : settleShape(keys, record, verdicts as readonly Verdict[]);
  };
}

function settleShape(
  keys: readonly string[],
  record: Record<string, unknown>,
  verdicts: readonly Verdict[],
): Verdict {
  const issues: ValidationIssue[] = [];
  const parsed: Record<string, unknown> = {};
  verdicts.forEach((verdict, i) => {
    const key = keys[i] as string;
    const present = Object.hasOwn(record, key);
    if (Array.isArray(verdict)) {
      const reported = verdict as readonly ValidationIssue[];
      issues.push(...(present ? reported : [missing([key], reported[0]?.expected)]));
      return;
    }
    const out = verdict === undefined ? record[key] : (verdict as { readonly value: unknown }).value;
    if (out !== undefined || present) parsed[key] = out;
  });
  return issues.length > 0 ? issues : { value: parsed };
}

// ajv reports JSON Pointers; arrays along the way turn numeric segments into indexes.
function pointerToPath(pointer: string, input: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let current = input;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: PathSegment = Array.isArray(current) && /^\d+$/.test(key) ? Number(key) : key;
    path.push(segment);
    current = valueAt(current, [segment]);
  }
  return path;
}

function expectedOf(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  const limit = String(p.limit);
  switch (error.keyword) {
    case 'type':
      return String(p.type).split(',').join(' or ');
    case 'enum':
      return `one of ${brief(p.allowedValues)}`;
    case 'const':
      return `exactly ${brief(p.allowedValue)}`;
    case 'minLength':
      return `a string of at least ${limit} characters`;
    case 'maxLength':
      return `a string of at most ${limit} characters`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `a number ${String(p.comparison)} ${limit}`;
    case 'multipleOf':
      return `a multiple of ${String(p.multipleOf)}`;
    case 'minItems':
      return `an array of at least ${limit} items`;
    case 'maxItems':
      return `an array of at most ${limit} items`;
    case 'minProperties':
      return `an object with at least ${limit} properties`;
    case 'maxProperties':
      return `an object with at most ${limit} properties`;
    case 'uniqueItems':
      return `an array without duplicates (items ${String(p.j)} and ${String(p.i)} are equal)`;
    case 'pattern':
      return `a string matching the pattern ${brief(p.pattern)}`;
    case 'format':
      return `a string in the "${String(p.format)}" format`;
    default:
      return error.message === undefined
        ? `a value that satisfies "${error.keyword}"`
        : `a value that ${error.message}`;
  }
}

/** Turns ajv errors into issues; `input` is only read to describe what came. */
export function fromAjvErrors(
  errors: readonly ErrorObject[] | null | undefined,
  input: unknown,
): ValidationIssue[] {
  if (errors === null || errors === undefined || errors.length === 0) {
    return [{ path: ROOT_PATH, message: 'does not match the schema' }];
  }
  return errors.map((error) => {
    const path = pointerToPath(error.instancePath, input);
    const p = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
      case 'dependentRequired':
      case 'dependencies':
        return missing([...path, String(p.missingProperty)]);
      case 'additionalProperties':
        return unknownProperty([...path, String(p.additionalProperty)]);
      case 'unevaluatedProperties':
        return unknownProperty([...path, String(p.unevaluatedProperty)]);
      default:
        return mismatch(path, expectedOf(error), valueAt(input, path));
    }
  });
}

const AJV_OPTIONS = { strict: false, allErrors: true, logger: false } as const;

type Dialect = 'draft-07' | '2019-09' | '2020-12';
const defaults: Partial<Record<Dialect, Ajv>> = {};

// One lazily built ajv per dialect, shared by every validation() that uses the defaults.
function defaultAjv(dialect: Dialect): Ajv {
  let ajv = defaults[dialect];
  if (ajv === undefined) {
    ajv =
      dialect === '2020-12'
        ? new Ajv2020(AJV_OPTIONS)
        : dialect === '2019-09'
          ? new Ajv2019(AJV_OPTIONS)
          : new AjvDraft7(AJV_OPTIONS);
    defaults[dialect] = ajv;
  }
  return ajv;
}

/** The dialect a schema declares (2020-12 when it declares none, as MCP specifies); undefined if unsupported. */
export function dialectOf(schema: JsonSchema): { dialect: Dialect; strip: boolean } | undefined {
  const uri = schema.$schema;
  if (uri === undefined) return { dialect: '2020-12', strip: false };
  if (typeof uri !== 'string') return undefined;
  if (uri.includes('/draft/2020-12/')) return { dialect: '2020-12', strip: false };
  if (uri.includes('/draft/2019-09/')) return { dialect: '2019-09', strip: false };
  if (uri.includes('/draft-07/')) return { dialect: 'draft-07', strip: false };
  // ajv has no draft-04/06 meta-schemas by default; their keywords validate the same under draft-07.
  if (uri.includes('/draft-06/') || uri.includes('/draft-04/')) return { dialect: 'draft-07', strip: true };
  return undefined;
}

/**
 * Compiles a JSON Schema into a check. With `ajv`, that instance compiles every schema; without, one
 * default instance per dialect does. Throws (with ajv's reason) when the schema cannot be compiled.
 */
export function jsonSchemaCheck(schema: JsonSchema, ajv: AjvCompiler | undefined): Check {
  let validate: AjvValidate;
  if (ajv !== undefined) {
    validate = ajv.compile(schema);
  } else {
    const dialect = dialectOf(schema);
    if (dialect === undefined) {
      throw new Error(
        `unsupported JSON Schema dialect ${brief(schema.$schema)}; use 2020-12, 2019-09 or draft-07, ` +
          'or pass your own ajv instance',
      );
    }
    const instance = defaultAjv(dialect.dialect);
    const target = dialect.strip ? { ...schema, $schema: undefined } : schema;
    validate = instance.compile(target);
    // ajv keeps every compiled schema (and its $id) forever; the check holds what it needs.
    instance.removeSchema(target);
  }
  return (value) => {
    const valid: unknown = validate(value);
    if (valid === true) return undefined;
    if (valid === false) return fromAjvErrors(validate.errors, value);
    // An `$async` schema answers with a promise.
    return Promise.resolve(valid).then(
      () => undefined,
      (error: unknown) => fromAjvErrors((error as { errors?: ErrorObject[] }).errors, value),
    );
  };
}

/** Compiles any accepted schema into a check; throws when a JSON Schema cannot be compiled. */
export function compileSchema(schema: SchemaSpec, ajv: AjvCompiler | undefined): Check {
  if (isStandardSchema(schema)) return standardCheck(schema);
  if (isRawShape(schema)) return shapeCheck(schema);
  if (isSdkSchema(schema)) {
    throw new Error('this zod schema has no Standard Schema interface (zod before 3.24); use zod 3.25 or 4');
  }
  return jsonSchemaCheck(schema, ajv);
}
