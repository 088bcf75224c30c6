/** timeout()'s options, declared once: the factory's check, the config file's validation and its JSON Schema come from here. */
import { declareOptions, fn, integer, operations } from '@mcp-middleware/core/options';
import { OPERATIONS } from './operations.js';
import type { TimeoutOptions } from './timeout.js';

// setTimeout fires at once for delays above 2^31 - 1 ms.
const MAX_TIMER_MS = 2_147_483_647;

/** Every option of {@link TimeoutOptions}: kind, range, default, and one line of doc. */
export const TIMEOUT_OPTIONS = declareOptions<TimeoutOptions>()('timeout', {
  timeoutMs: integer({
    min: 1,
    max: MAX_TIMER_MS,
    default: 30_000,
    doc: 'how long one attempt may run, in milliseconds',
  }),
  onTimeout: fn('called at the deadline, before the caller gets TIMEOUT'),
  operations: operations(OPERATIONS, {
    doc: 'the requests it applies to: tools/call, resources/read, prompts/get',
  }),
});
