// The contract config relies on from zod: if an upgrade changes what keysAt walks or what the JSON Schema
// generator writes, these fail here, loudly, instead of a did-you-mean going silent.
import { z } from 'zod/v4';
import { describe, expect, it } from 'vitest';
import { jsonSchemaOf, keysAt } from './zod-fence.js';

const schema = z.strictObject({
  limit: z.number().int().min(1).optional(),
  backoff: z.strictObject({ baseDelayMs: z.number(), factor: z.number() }).optional(),
  budget: z.union([z.literal(false), z.strictObject({ ratio: z.number() })]).optional(),
  tools: z.record(z.string(), z.strictObject({ scopes: z.array(z.string()) })).optional(),
  keys: z.array(z.strictObject({ id: z.string() })).optional(),
});

describe('zod, as config reads it', () => {
  it('lists the keys of an object, through optional wrappers', () => {
    expect(keysAt(schema, [])).toEqual(['limit', 'backoff', 'budget', 'tools', 'keys']);
    expect(keysAt(schema, ['backoff'])).toEqual(['baseDelayMs', 'factor']);
  });

  it('finds the object branch of a union, the values of a record and the items of an array', () => {
    expect(keysAt(schema, ['budget'])).toEqual(['ratio']);
    expect(keysAt(schema, ['tools', 'db_*'])).toEqual(['scopes']);
    expect(keysAt(schema, ['keys', 0])).toEqual(['id']);
  });

  it('answers no keys where there is no object', () => {
    expect(keysAt(schema, ['limit'])).toEqual([]);
    expect(keysAt(schema, ['nowhere', 'deeper'])).toEqual([]);
  });

  it('writes integer ranges, closed objects and enums as JSON Schema keywords', () => {
    const json = jsonSchemaOf(
      z.strictObject({ n: z.number().int().min(1).max(5), mode: z.enum(['a', 'b']) }),
    );
    expect(json.$schema).toBeUndefined();
    expect(json).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['n', 'mode'],
      properties: { n: { type: 'integer', minimum: 1, maximum: 5 }, mode: { enum: ['a', 'b'] } },
    });
  });
});
