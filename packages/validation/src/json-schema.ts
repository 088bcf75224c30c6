/** JSON Schema checks through ajv: the dialect a schema declares, one default ajv per dialect, ajv errors as issues. */
import type { Ajv, ErrorObject } from 'ajv';
import { Ajv as AjvDraft7 } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  ROOT_PATH,
  brief,
  mismatch,
  missing,
  unknownProperty,
  valueAt,
  type ValidationIssue,
} from './issues.js';
import type { PathSegment } from './payload.js';
import type { Check } from './schemas.js';

/** A JSON Schema object (2020-12 unless `$schema` names draft-07, draft-06, draft-04 or 2019-09). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A compiled ajv validator, as much of it as `validation()` reads. */
export interface AjvValidate {
  (data: unknown): boolean | Promise<unknown>;
  errors?: ErrorObject[] | null | undefined;
}

/** The part of an ajv instance `validation()` uses, so any ajv class (draft-07, 2019, 2020) fits. */
export interface AjvCompiler {
  compile(schema: object): AjvValidate;
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
