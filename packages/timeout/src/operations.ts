/** The `operations` option: which requests timeout runs on, declared in options.ts. */
/** The requests timeout() can run on: a tool call, a resource read, a prompt get. */
export const OPERATIONS = ['tools/call', 'resources/read', 'prompts/get'] as const;

/** One of {@link OPERATIONS}. */
export type ResilientOperation = (typeof OPERATIONS)[number];
