/**
 * The soak, run in its own process with `node --expose-gc` (load.test.ts spawns it): calls through the
 * full pipeline with memory stores, then the heap after a forced GC compared with the heap after warm-up.
 * Prints one JSON line on stdout.
 */
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import {
  createToolRunner,
  type CallToolResult,
  type Principal,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { auth } from '@mcp-middleware/auth';
import { cache } from '@mcp-middleware/cache';
import { circuitBreaker } from '@mcp-middleware/circuit-breaker';
import { logging } from '@mcp-middleware/logging';
import { metrics } from '@mcp-middleware/metrics';
import { concurrencyLimit, rateLimit } from '@mcp-middleware/ratelimit';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';
import { tracing } from '@mcp-middleware/tracing';
import { validation } from '@mcp-middleware/validation';

const CALLS = Number(process.argv[2] ?? 1_000_000);
const WARMUP = 100_000;
const BATCH = 500;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

let logLines = 0;
const logger = pino(
  { level: 'info' },
  new Writable({
    write(_chunk, _encoding, done) {
      logLines++;
      done();
    },
  }),
);
const registry = new Registry();
const principals: Principal[] = Array.from({ length: 8 }, (_, i) =>
  Object.freeze({ id: `user-${i}`, scopes: [], roles: [], claims: {} }),
);
const breaker = circuitBreaker();
const runner = createToolRunner(
  [
    tracing(),
    metrics({ registry }),
    logging({ logger }),
    auth({ from: (ctx) => principals[Number(ctx.requestId) % principals.length] }),
    rateLimit({ limit: 1_000_000_000 }),
    concurrencyLimit({ max: 10_000 }),
    validation(),
    cache(),
    retry(),
    breaker,
    timeout({ timeoutMs: 10_000 }),
  ],
  { debug: false },
);
const tool: ToolInfo = Object.freeze({
  name: 'search',
  annotations: { readOnlyHint: true },
  inputSchema: undefined,
});
const answer: CallToolResult = { content: [{ type: 'text', text: 'found' }] };
const run = runner.bind(tool, () => answer);
const queries = Array.from({ length: 500 }, (_, i) => ({ query: `q${i}` }));
// One request signal per slot, as every real request has its own.
const extras: ToolExtra[] = Array.from({ length: BATCH }, (_, i) => ({
  signal: new AbortController().signal,
  requestId: i,
  sendNotification: () => Promise.resolve(),
  sendRequest: () => Promise.reject(new Error('no client')),
}));

let answered = 0;
let errors = 0;
async function calls(n: number): Promise<void> {
  const pending: Promise<CallToolResult>[] = new Array<Promise<CallToolResult>>(BATCH);
  for (let done = 0; done < n; done += BATCH) {
    for (let i = 0; i < BATCH; i++)
      pending[i] = run(queries[(done + i) % queries.length], extras[i] as ToolExtra);
    for (const result of await Promise.all(pending)) {
      answered++;
      if (result.isError === true) errors++;
    }
  }
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

await calls(WARMUP);
const before = heapAfterGc();
const started = performance.now();
await calls(CALLS);
const seconds = (performance.now() - started) / 1000;
const after = heapAfterGc();
breaker.shutdown();
const samples = (await registry.metrics())
  .split('\n')
  .filter((line) => line.startsWith('mcp_server_operation_duration_seconds_count'))
  .reduce((n, line) => n + Number(line.split(' ').pop()), 0);
process.stdout.write(
  `${JSON.stringify({ calls: CALLS, warmup: WARMUP, answered, errors, samples, logLines, heapBefore: before, heapAfter: after, seconds })}\n`,
);
