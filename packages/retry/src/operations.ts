/** The `operations` option: which requests retry runs on, declared in declaration.ts. */
/** The requests retry() can run on: a tool call, a resource read, a prompt get. */
export const OPERATIONS = ['tools/call', 'resources/read', 'prompts/get'] as const;

/** One of {@link OPERATIONS}. */
export type ResilientOperation = (typeof OPERATIONS)[number];
