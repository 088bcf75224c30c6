/** Schema checks: zod (v3 and v4, or any Standard Schema), raw zod shapes, and JSON Schema through ajv. */
import { isPromiseLike } from '@mcp-middleware/core/helpers';
import { jsonSchemaCheck, type AjvCompiler, type JsonSchema } from './json-schema.js';
import {
  MISSING,
  describeReceived,
  formatPath,
  mismatch,
  missing,
  unknownProperty,
  valueAt,
  type ValidationIssue,
} from './issues.js';
import type { PathSegment } from './payload.js';

export {
  dialectOf,
  fromAjvErrors,
  jsonSchemaCheck,
  type AjvCompiler,
  type AjvValidate,
  type JsonSchema,
} from './json-schema.js';

/** Any schema with the Standard Schema interface: zod 3.25+ and 4 (classic and mini), valibot, arktype. */
export interface StandardSchemaLike {
  readonly '~standard': { readonly validate: (value: unknown) => unknown };
}

/** An object shape as `McpServer.registerTool` accepts it: `{ text: z.string() }`. */
export type RawShape = { readonly [key: string]: StandardSchemaLike };

/** A schema `validation()` accepts: a Standard Schema (zod), a raw shape, or a JSON Schema object. */
export type SchemaSpec = StandardSchemaLike | RawShape | JsonSchema;

/** What a check says: `undefined` valid as is; `{ value }` valid and parsed to `value`; an array, the issues. */
export type Verdict = undefined | { readonly value: unknown } | readonly ValidationIssue[];

/** A compiled schema check. */
export type Check = (value: unknown) => Verdict | Promise<Verdict>;

/** True for a thenable (core's one check: a hostile `then` getter makes no promise). */
export { isPromiseLike };

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

/** Compiles any accepted schema into a check; throws when a JSON Schema cannot be compiled. */
export function compileSchema(schema: SchemaSpec, ajv: AjvCompiler | undefined): Check {
  if (isStandardSchema(schema)) return standardCheck(schema);
  if (isRawShape(schema)) return shapeCheck(schema);
  if (isSdkSchema(schema)) {
    throw new Error('this zod schema has no Standard Schema interface (zod before 3.24); use zod 3.25 or 4');
  }
  return jsonSchemaCheck(schema, ajv);
}
