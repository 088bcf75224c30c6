// Fault injection: every handler failure mode against each middleware alone and the full pipeline.
// Every call is answered by its deadline (virtual time, a manual clock drives every timer), nothing is
// left unhandled or alive, and every event, log line, span and metric sample is counted exactly.
import { afterAll, describe, expect, it } from 'vitest';
import {
  createToolRunner,
  errorDetailOf,
  type CallToolResult,
  type Middleware,
  type Principal,
  type ToolExtra,
  type ToolHandler,
  type ToolInfo,
} from '@mcp-middleware/core';
import { createTestExtra, manualClock, type ManualClock } from '@mcp-middleware/core/testing';
import { auth } from '@mcp-middleware/auth';
import { cache } from '@mcp-middleware/cache';
import { circuitBreaker, type CircuitBreakerMiddleware } from '@mcp-middleware/circuit-breaker';
import { logging } from '@mcp-middleware/logging';
import { metrics } from '@mcp-middleware/metrics';
import { concurrencyLimit, rateLimit } from '@mcp-middleware/ratelimit';
import { retry } from '@mcp-middleware/retry';
import { timeout } from '@mcp-middleware/timeout';
import { tracing } from '@mcp-middleware/tracing';
import { validation } from '@mcp-middleware/validation';
import { watchLeaks } from './leaks.js';
import { Observed } from './pipeline.js';
import { table, writeProofSection } from './report.js';
import { scanForSecrets } from './secrets.js';

const CALLS = 3;
const TIMEOUT_MS = 1_000;
const RETRIES = 2;
const BACKOFF_MS = 10;
const TOOL: ToolInfo = Object.freeze({ name: 'lookup_record', annotations: { readOnlyHint: true } });
// Put where a careless layer would copy it: authInfo.token. The scan must never find it.
const TOKEN = 'fault-suite-token-3f9a8c1e5d7b';
const PRINCIPAL: Principal = Object.freeze({ id: 'user-1', scopes: [], roles: [], claims: {} });

/** A handler failure mode, and what every call through any pipeline must end as. */
interface FaultMode {
  readonly name: string;
  readonly handler: (clock: ManualClock) => ToolHandler;
  /** The error code the client sees; `tool_error` for a plain isError answer (no code). */
  readonly code: 'INTERNAL' | 'TIMEOUT' | 'tool_error';
  /** retry() sees a retryable failure (a throw, a timeout), not a result. */
  readonly retried: boolean;
  readonly timesOut: boolean;
}

const MODES: readonly FaultMode[] = [
  {
    name: 'throws an Error',
    handler: () => () => Promise.reject(new Error('lookup exploded')),
    code: 'INTERNAL',
    retried: true,
    timesOut: false,
  },
  {
    name: 'throws a non-Error',
    handler: () => () => Promise.reject({ reason: 'not an Error', token: TOKEN }),
    code: 'INTERNAL',
    retried: true,
    timesOut: false,
  },
  {
    name: 'rejects late',
    handler: (clock) => () =>
      new Promise<CallToolResult>((_, reject) => {
        clock.setTimeout(() => reject(new Error('late failure')), TIMEOUT_MS / 2);
      }),
    code: 'INTERNAL',
    retried: true,
    timesOut: false,
  },
  {
    name: 'never settles and ignores its signal',
    handler: () => () => new Promise<CallToolResult>(() => undefined),
    code: 'TIMEOUT',
    retried: true,
    timesOut: true,
  },
  {
    name: 'returns isError',
    handler: () => () => ({ content: [{ type: 'text', text: 'no such record' }], isError: true }),
    code: 'tool_error',
    retried: false,
    timesOut: false,
  },
  {
    name: 'returns a malformed result',
    handler: () => () => ({ content: 'not a list' }) as unknown as CallToolResult,
    code: 'INTERNAL',
    retried: false,
    timesOut: false,
  },
  {
    name: 'throws synchronously',
    handler: () => () => {
      throw new Error(`sync explosion with Bearer ${TOKEN}`);
    },
    code: 'INTERNAL',
    retried: true,
    timesOut: false,
  },
];

/** A pipeline under test: its middlewares, what it contains, and its teardown. */
interface Subject {
  readonly pipeline: Middleware[];
  readonly has: ReadonlySet<string>;
  close(): void;
}

type SubjectFactory = (observed: Observed, clock: ManualClock) => Subject;

const factories: Record<string, (observed: Observed, clock: ManualClock) => Middleware> = {
  tracing: (o) => tracing({ tracerProvider: o.tracerProvider, captureArguments: true }),
  metrics: (o) => metrics({ registry: o.registry }),
  logging: (o) => logging({ logger: o.logger, includeArgs: true }),
  auth: () => auth({ from: () => PRINCIPAL }),
  rateLimit: () => rateLimit({ limit: 1_000_000 }),
  concurrencyLimit: () => concurrencyLimit({ max: 100 }),
  validation: () => validation(),
  cache: () => cache(),
  retry: () => retry({ retries: RETRIES, backoff: () => BACKOFF_MS, budget: false }),
  // Never opens here (its opening is a case of its own below), so counts stay those of the fault.
  circuitBreaker: (_, clock) => circuitBreaker({ clock, volumeThreshold: 1_000 }),
  timeout: () => timeout({ timeoutMs: TIMEOUT_MS }),
};

function subjectOf(names: readonly string[]): SubjectFactory {
  return (observed, clock) => {
    const pipeline = names.map((name) =>
      (factories[name] as (o: Observed, c: ManualClock) => Middleware)(observed, clock),
    );
    // A never-settling handler needs a deadline: each middleware alone runs with timeout() inside it.
    if (!names.includes('timeout')) pipeline.push(timeout({ timeoutMs: TIMEOUT_MS }));
    return {
      pipeline,
      has: new Set([...names, 'timeout']),
      close: () => {
        for (const m of pipeline) (m as Partial<CircuitBreakerMiddleware>).shutdown?.();
      },
    };
  };
}

const FULL = [
  'tracing',
  'metrics',
  'logging',
  'auth',
  'rateLimit',
  'concurrencyLimit',
  'validation',
  'cache',
  'retry',
  'circuitBreaker',
  'timeout',
];
const SUBJECTS: Record<string, SubjectFactory> = {
  ...Object.fromEntries(Object.keys(factories).map((name) => [name, subjectOf([name])])),
  'full pipeline': subjectOf(FULL),
};

function extraFor(requestId: number): ToolExtra {
  return createTestExtra({ requestId, authInfo: { token: TOKEN, clientId: 'fault-client', scopes: [] } });
}

/** Drives the manual clock until every call settled; throws if they never do (a hang). */
async function settle(clock: ManualClock, calls: Promise<CallToolResult>[]): Promise<CallToolResult[]> {
  let done = false;
  const all = Promise.all(calls).finally(() => (done = true));
  for (let step = 0; step < 1_000 && !done; step++) {
    if (!(await clock.runNext())) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!done) throw new Error('calls still pending after every timer fired: something hangs');
  return all;
}

function histogramCount(text: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith('mcp_server_operation_duration_seconds_count'))
    .reduce((n, line) => n + Number(line.split(' ').pop()), 0);
}

const survived: [string, string, string][] = [];
const allOutputs: Record<string, string[]> = { logs: [], spans: [], metrics: [] };
let casesTried = 0;

describe.each(Object.keys(SUBJECTS))('%s under handler faults', (subjectName) => {
  it.each(MODES.map((m) => [m.name, m] as const))(
    'answers every call whose handler %s, leaks nothing and counts it exactly',
    async (_name, mode) => {
      casesTried++;
      const watch = watchLeaks();
      const clock = manualClock();
      const observed = new Observed();
      const subject = (SUBJECTS[subjectName] as SubjectFactory)(observed, clock);
      const runner = createToolRunner(subject.pipeline, { clock, events: observed.channel });
      const run = runner.bind(TOOL, mode.handler(clock));
      const started = clock.now();
      const results = await settle(
        clock,
        Array.from({ length: CALLS }, (_, i) => run({ id: `r-${i}`, note: `Bearer ${TOKEN}` }, extraFor(i))),
      );
      const elapsed = clock.now() - started;
      subject.close();
      const metricsText = await observed.metricsText();
      const spans = observed.spanTexts();
      allOutputs.logs?.push(...observed.logs);
      allOutputs.spans?.push(...spans);
      allOutputs.metrics?.push(metricsText);
      const left = await watch.stop();
      // The OTel SDK's own shutdown is test equipment, not the pipeline: after the leak count.
      await observed.close();

      // Answered, with the code the fault deserves, by its deadline (virtual time).
      const attempts = subject.has.has('retry') && mode.retried ? 1 + RETRIES : 1;
      expect(results).toHaveLength(CALLS);
      for (const result of results) {
        expect(result.isError).toBe(true);
        const code = errorDetailOf(result)?.code ?? 'tool_error';
        expect(code).toBe(mode.code);
      }
      expect(elapsed).toBeLessThanOrEqual(attempts * TIMEOUT_MS + RETRIES * BACKOFF_MS);

      // Nothing unhandled, nothing left running.
      expect(left.unhandled).toEqual([]);
      expect(left.handles).toEqual([]);
      expect(left.timers).toBe(0);

      // Exact counts.
      expect(observed.count('retry')).toBe(subject.has.has('retry') && mode.retried ? CALLS * RETRIES : 0);
      expect(observed.count('give-up')).toBe(subject.has.has('retry') && mode.retried ? CALLS : 0);
      expect(observed.count('timeout')).toBe(mode.timesOut ? CALLS * attempts : 0);
      expect(observed.count('reject')).toBe(mode.timesOut ? CALLS * attempts : 0);
      expect(observed.count('breaker')).toBe(0);
      expect(observed.count('warning')).toBe(0);
      if (subject.has.has('metrics')) expect(histogramCount(metricsText)).toBe(CALLS);
      if (subject.has.has('logging')) {
        // One line per call, plus one debug line per retry (logging listens to retry events).
        const retries = observed.logs.filter((line) => line.includes('"msg":"retrying tool call"'));
        expect(retries).toHaveLength(observed.count('retry'));
        expect(observed.logs.length - retries.length).toBe(CALLS);
      }
      if (subject.has.has('tracing')) expect(spans).toHaveLength(CALLS);
      survived.push([subjectName, mode.name, mode.code]);
    },
  );
});

describe('the circuit breaker under a failing handler', () => {
  it('opens exactly once after volumeThreshold failures and short-circuits the rest', async () => {
    casesTried++;
    const watch = watchLeaks();
    const clock = manualClock();
    const observed = new Observed();
    const breaker = circuitBreaker({ clock, volumeThreshold: 5, errorThresholdPercentage: 50 });
    const runner = createToolRunner([metrics({ registry: observed.registry }), breaker], {
      clock,
      events: observed.channel,
    });
    const run = runner.bind(TOOL, () => Promise.reject(new Error('dependency down')));
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(errorDetailOf(await run({}, extraFor(i)))?.code ?? 'none');
    breaker.shutdown();
    const left = await watch.stop();
    expect(codes).toEqual([...Array<string>(5).fill('INTERNAL'), ...Array<string>(5).fill('CIRCUIT_OPEN')]);
    expect(observed.count('breaker')).toBe(1);
    expect(observed.count('reject', 'CIRCUIT_OPEN')).toBe(5);
    expect(histogramCount(await observed.metricsText())).toBe(10);
    expect(left).toEqual({ handles: [], timers: 0, unhandled: [] });
    survived.push(['circuitBreaker', 'opens after 5 failures', 'CIRCUIT_OPEN']);
  });
});

afterAll(() => {
  const leaks = scanForSecrets(allOutputs, [TOKEN]);
  writeProofSection(
    'faults',
    [
      '## Faults',
      '',
      `Handler failure modes × (each middleware alone, with \`timeout()\` inside it, and the full pipeline):`,
      `${casesTried} cases tried, ${survived.length} survived, ${CALLS} concurrent calls each. A manual clock drives`,
      'every timer, so "answered by its deadline" is checked in virtual time. Each case also checks: no',
      'unhandled rejection (a process hook), no handle or timer left (`getActiveResourcesInfo()` and',
      'async_hooks), exact counts of retry, give-up, timeout, reject and breaker events, log lines, spans',
      'and histogram samples.',
      '',
      table(
        ['handler', 'client sees', 'subjects survived'],
        MODES.map((m) => [
          m.name,
          m.code,
          `${survived.filter(([, mode]) => mode === m.name).length}/${Object.keys(SUBJECTS).length}`,
        ]),
      ),
      '',
      `Secret scan (the bearer token put in authInfo, args and a thrown message): ${
        Object.values(allOutputs).flat().length
      } log lines, spans and metric expositions, ${leaks.length} secrets found.`,
    ].join('\n'),
  );
});

describe('the outputs of every fault case', () => {
  it('carry the token nowhere: no log line, span or metric holds it', () => {
    expect(allOutputs.logs?.length).toBeGreaterThan(0);
    expect(scanForSecrets(allOutputs, [TOKEN])).toEqual([]);
  });
});
