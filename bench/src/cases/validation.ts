/** Validation cases: payload guards alone, a JSON Schema the tool carries, a zod schema, a rule, a result cap. */
import { z } from 'zod';
import type { ToolInfo } from '@mcp-middleware/core';
import { validation } from '@mcp-middleware/validation';
import { benchTool, pipelineCase, type BenchCase } from '../harness.js';

// The bench tool without a schema: only the payload guards run.
const schemaless: ToolInfo = Object.freeze({ name: benchTool.name, annotations: benchTool.annotations });

// The bench tool as a gateway or a low-level Server would carry it: a real JSON Schema for its args.
const withJsonSchema: ToolInfo = Object.freeze({
  ...benchTool,
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: 200 },
      limit: { type: 'integer', minimum: 1, maximum: 100 },
    },
    required: ['query'],
    additionalProperties: false,
  },
});

export const cases: BenchCase[] = [
  pipelineCase(
    'validation-guards',
    'payload guards on a small object (size, depth, string/array lengths, forbidden keys)',
    () => validation(),
    { quick: true, tool: schemaless },
  ),
  pipelineCase(
    'validation-json-schema',
    'payload guards, then the JSON Schema the tool carries (ajv, compiled once)',
    () => validation(),
    { quick: true, tool: withJsonSchema },
  ),
  pipelineCase(
    'validation-zod',
    'payload guards, then a zod schema from the tools option (parsed args passed on)',
    () =>
      validation({
        tools: { search: { inputSchema: z.object({ query: z.string().min(1), limit: z.number().int() }) } },
      }),
    { tool: schemaless },
  ),
  pipelineCase(
    'validation-rule',
    'payload guards, then one synchronous business rule',
    () =>
      validation({
        tools: {
          search: { rules: (args) => ((args.limit as number) > 50 ? 'limit must be at most 50' : undefined) },
        },
      }),
    { tool: schemaless },
  ),
  pipelineCase(
    'validation-result-cap',
    'payload guards, then the result size checked against maxResultBytes',
    () => validation({ maxResultBytes: 65_536 }),
    { tool: schemaless },
  ),
];
