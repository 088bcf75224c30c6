import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as z3 from 'zod/v3';
import * as zm from 'zod/mini';
import {
  compileSchema,
  dialectOf,
  isRawShape,
  isSdkSchema,
  jsonSchemaCheck,
  type Check,
  type Verdict,
} from './schemas.js';

async function verdict(check: Check, value: unknown): Promise<Verdict> {
  return check(value);
}

describe('schema detection', () => {
  it('recognises zod 4, zod mini and zod 3 schemas as checked by the SDK', () => {
    expect(isSdkSchema(z.object({ a: z.string() }))).toBe(true);
    expect(isSdkSchema(zm.object({ a: zm.string() }))).toBe(true);
    expect(isSdkSchema(z3.z.object({ a: z3.z.string() }))).toBe(true);
  });

  it('recognises a raw shape of zod schemas', () => {
    expect(isRawShape({ a: z.string(), b: z.number() })).toBe(true);
    expect(isSdkSchema({ a: z3.z.string() })).toBe(true);
  });

  it('takes a JSON Schema for a JSON Schema, even with a property named _def or _zod', () => {
    const schema = { type: 'object', properties: { _def: { type: 'string' }, _zod: { type: 'number' } } };
    expect(isSdkSchema(schema)).toBe(false);
    expect(isRawShape(schema)).toBe(false);
  });
});

describe('zod checks', () => {
  it('passes valid arguments and hands back the parsed value', async () => {
    const check = compileSchema(z.object({ n: z.coerce.number() }), undefined);
    expect(await verdict(check, { n: '5' })).toEqual({ value: { n: 5 } });
  });

  it('names each failing path with what was expected and what came', async () => {
    const check = compileSchema(z.object({ to: z.string(), amount: z.number() }), undefined);
    expect(await verdict(check, { amount: 'ten' })).toEqual([
      {
        path: 'to',
        message: 'required, but missing (expected string)',
        expected: 'string',
        received: 'nothing (missing)',
      },
      {
        path: 'amount',
        message: 'expected number, received a string of 3 characters',
        expected: 'number',
        received: 'a string of 3 characters',
      },
    ]);
  });

  it('reports refinements with zod message and the kind of value received', async () => {
    const check = compileSchema(z.object({ qty: z.number().min(1) }), undefined);
    const issues = (await verdict(check, { qty: 0 })) as { path: string; message: string }[];
    expect(issues[0]?.path).toBe('qty');
    expect(issues[0]?.message).toMatch(/>=1.*received an integer/);
  });

  it('lists unknown keys of a strict object one by one', async () => {
    const check = compileSchema(z.strictObject({ a: z.string() }), undefined);
    expect(await verdict(check, { a: 'x', b: 1, c: 2 })).toEqual([
      { path: 'b', message: 'not a known property; remove it' },
      { path: 'c', message: 'not a known property; remove it' },
    ]);
  });

  it('never echoes the value it rejects', async () => {
    const check = compileSchema(z.object({ pin: z.number() }), undefined);
    const issues = await verdict(check, { pin: 'secret-4242' });
    expect(JSON.stringify(issues)).not.toContain('4242');
  });

  it('works with zod 3 schemas', async () => {
    const check = compileSchema(z3.z.object({ a: z3.z.string() }), undefined);
    expect(await verdict(check, { a: 1 })).toMatchObject([
      { path: 'a', expected: 'string', received: 'an integer' },
    ]);
  });

  it('runs async refinements', async () => {
    const check = compileSchema(
      z.object({ user: z.string().refine(async (u) => Promise.resolve(u !== 'root'), 'user is reserved') }),
      undefined,
    );
    expect(check({ user: 'root' })).toBeInstanceOf(Promise);
    expect(await verdict(check, { user: 'root' })).toMatchObject([
      { path: 'user', expected: 'user is reserved' },
    ]);
    expect(await verdict(check, { user: 'ann' })).toEqual({ value: { user: 'ann' } });
  });

  it('checks a raw shape key by key and keeps only the shape keys', async () => {
    const check = compileSchema({ a: z.string(), n: z.number().optional() }, undefined);
    expect(await verdict(check, { a: 'x', extra: true })).toEqual({ value: { a: 'x' } });
    expect(await verdict(check, { n: 'x' })).toMatchObject([
      { path: 'a', message: 'required, but missing (expected string)' },
      { path: 'n', expected: 'number' },
    ]);
  });

  it('refuses a non-object for a raw shape', async () => {
    const check = compileSchema({ a: z.string() }, undefined);
    expect(await verdict(check, [1])).toMatchObject([{ path: '(root)', expected: 'an object' }]);
  });
});

describe('JSON Schema checks', () => {
  const schema = {
    type: 'object',
    properties: {
      to: { type: 'string', minLength: 3 },
      amount: { type: 'number', exclusiveMinimum: 0 },
      currency: { enum: ['EUR', 'USD'] },
      lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
    },
    required: ['to', 'amount'],
    additionalProperties: false,
  };

  it('passes a valid value without copying it', () => {
    expect(jsonSchemaCheck(schema, undefined)({ to: 'ann', amount: 5 })).toBeUndefined();
  });

  it('reports every error with a path, the expectation and the kind of value', () => {
    const check = jsonSchemaCheck(schema, undefined);
    expect(check({ to: 'al', amount: 0, currency: 'GBP', lines: [{ sku: 7 }], memo: 'x' })).toEqual([
      { path: 'memo', message: 'not a known property; remove it' },
      {
        path: 'to',
        message: 'expected a string of at least 3 characters, received a string of 2 characters',
        expected: 'a string of at least 3 characters',
        received: 'a string of 2 characters',
      },
      {
        path: 'amount',
        message: 'expected a number > 0, received an integer',
        expected: 'a number > 0',
        received: 'an integer',
      },
      {
        path: 'currency',
        message: 'expected one of ["EUR","USD"], received a string of 3 characters',
        expected: 'one of ["EUR","USD"]',
        received: 'a string of 3 characters',
      },
      {
        path: 'lines[0].sku',
        message: 'expected string, received an integer',
        expected: 'string',
        received: 'an integer',
      },
    ]);
  });

  it('reports a missing required property at its own path', () => {
    expect(jsonSchemaCheck(schema, undefined)({ to: 'ann' })).toEqual([
      {
        path: 'amount',
        message: 'required, but missing (expected a value)',
        expected: 'a value',
        received: 'nothing (missing)',
      },
    ]);
  });

  it('reads schemas without $schema as JSON Schema 2020-12, as MCP specifies', () => {
    const tuple = { type: 'array', prefixItems: [{ type: 'string' }], items: false };
    expect(jsonSchemaCheck(tuple, undefined)(['a', 'b'])).toMatchObject([{ path: '(root)' }]);
    expect(dialectOf(tuple)).toEqual({ dialect: '2020-12', strip: false });
  });

  it('honours a draft-07 $schema, as the SDK emits for zod tools', () => {
    const check = jsonSchemaCheck(
      { $schema: 'http://json-schema.org/draft-07/schema#', type: 'array', items: [{ type: 'string' }] },
      undefined,
    );
    expect(check([1])).toMatchObject([{ path: '[0]', expected: 'string' }]);
  });

  it('validates draft-04 schemas with the draft-07 rules', () => {
    const check = jsonSchemaCheck(
      { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', required: ['a'] },
      undefined,
    );
    expect(check({})).toMatchObject([{ path: 'a' }]);
  });

  it('refuses an unknown dialect', () => {
    expect(() =>
      jsonSchemaCheck({ $schema: 'https://example.com/my-dialect', type: 'object' }, undefined),
    ).toThrow(/unsupported JSON Schema dialect/);
  });

  it('refuses a schema that is not valid JSON Schema', () => {
    expect(() => jsonSchemaCheck({ type: 'strnig' }, undefined)).toThrow(/schema is invalid/);
  });

  it('never fetches a remote $ref', () => {
    expect(() => jsonSchemaCheck({ $ref: 'https://example.com/schema.json' }, undefined)).toThrow(
      /can't resolve reference/,
    );
  });

  it('compiles two schemas with the same $id independently', () => {
    const a = jsonSchemaCheck({ $id: 'https://example.com/same.json', type: 'string' }, undefined);
    const b = jsonSchemaCheck({ $id: 'https://example.com/same.json', type: 'number' }, undefined);
    expect(a('x')).toBeUndefined();
    expect(b(1)).toBeUndefined();
  });

  it('uses the ajv instance it is given', () => {
    const ajv = new Ajv({ allErrors: true });
    ajv.addFormat('even-length', (s: string) => s.length % 2 === 0);
    const check = jsonSchemaCheck({ type: 'string', format: 'even-length' }, ajv);
    expect(check('abc')).toMatchObject([{ expected: 'a string in the "even-length" format' }]);
    expect(check('ab')).toBeUndefined();
  });

  it('settles $async schemas', async () => {
    const check = jsonSchemaCheck({ $async: true, type: 'string' }, undefined);
    expect(await verdict(check, 1)).toMatchObject([{ expected: 'string' }]);
    expect(await verdict(check, 'x')).toBeUndefined();
  });
});
