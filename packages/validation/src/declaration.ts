/**
 * validation()'s options, declared once (the package's `./options` export): the factory's check, the
 * config file's validation and its JSON Schema come from here.
 */
import { declareOptions, integer, oneOf, strings, value } from '@mcp-middleware/core/options';
import type { ValidationOptions } from './options.js';

/** Every option of {@link ValidationOptions}: kind, range, default, and one line of doc. */
export const VALIDATION_OPTIONS = declareOptions<ValidationOptions>()('validation', {
  maxArgsBytes: integer({
    min: 2,
    default: 1_048_576,
    doc: 'estimated JSON size of the arguments, in bytes',
  }),
  maxDepth: integer({ min: 1, default: 32, doc: 'nesting levels of objects and arrays' }),
  maxStringLength: integer({
    min: 1,
    default: 262_144,
    doc: 'characters in any string, property names included',
  }),
  maxArrayLength: integer({ min: 0, default: 10_000, doc: 'items in any array' }),
  forbiddenKeys: strings({
    default: ['__proto__', 'constructor', 'prototype'],
    doc: 'property names refused at any depth',
  }),
  toolSchemas: oneOf(['auto', 'json-schema', 'all', 'none'], {
    default: 'auto',
    doc: 'which schemas the tool itself carries to check: auto, json-schema, all, none',
  }),
  tools: value({ default: {}, doc: '{ "<glob>": { inputSchema?, outputSchema? } } with JSON Schemas' }),
  maxResultBytes: integer({
    min: 256,
    doc: 'estimated JSON size of a result, in bytes (default: not checked)',
  }),
  oversizedResult: oneOf(['reject', 'truncate'], {
    default: 'reject',
    doc: 'over maxResultBytes: reject or truncate',
  }),
  ajv: value({ doc: 'the ajv instance that compiles JSON Schemas', inFile: false }),
});
