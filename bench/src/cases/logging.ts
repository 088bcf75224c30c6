/** What logging() costs per call: at the default level (no line on success) and at debug (a line per call). */
import { logging } from '@mcp-middleware/logging';
import { pino } from 'pino';
import { pipelineCase, type BenchCase } from '../harness.js';

// Formats every line and throws it away: the case measures pino and the middleware, not a disk or a pipe.
const discard = { write: (_line: string): void => {} };

export const cases: BenchCase[] = [
  pipelineCase(
    'logging (info, success)',
    'logging() on a successful call at the default level info: a level check, no line written',
    () => logging({ logger: pino({ level: 'info' }, discard) }),
    { quick: true },
  ),
  pipelineCase(
    'logging (debug, line per call)',
    'logging() at level debug: one structured JSON line per successful call, to a discarding stream',
    () => logging({ logger: pino({ level: 'debug' }, discard) }),
  ),
];
