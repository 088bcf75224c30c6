/** The `operations` option: which requests retry runs on, checked once when the factory runs. */
import type { OptionReader } from '@mcp-middleware/core';

/** The requests retry() can run on: a tool call, a resource read, a prompt get. */
export const OPERATIONS = ['tools/call', 'resources/read', 'prompts/get'] as const;

/** One of {@link OPERATIONS}. */
export type ResilientOperation = (typeof OPERATIONS)[number];

/** Reads `operations`: a non-empty list of {@link OPERATIONS}, without repeats. @default all three */
export function readOperations(reader: OptionReader): ReadonlySet<ResilientOperation> {
  return reader.operations('operations', OPERATIONS, OPERATIONS);
}
