// Load and soak, bounded for CI: one million calls through the full pipeline in a child process run with
// `node --expose-gc` (heap after GC compared before and after), and 10 000 concurrent calls in this one.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createToolRunner,
  type CallToolResult,
  type Principal,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { fullPipeline, Observed } from './pipeline.js';
import { table, writeProofSection } from './report.js';

// Thresholds (a regression fails the suite).
const SOAK_CALLS = 1_000_000;
const MAX_HEAP_GROWTH_BYTES = 10 * 1024 * 1024;
const CONCURRENT = 10_000;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Soak {
  readonly calls: number;
  readonly warmup: number;
  readonly answered: number;
  readonly errors: number;
  readonly samples: number;
  readonly logLines: number;
  readonly heapBefore: number;
  readonly heapAfter: number;
  readonly seconds: number;
}

function runSoak(): Promise<Soak> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@mcp-middleware/source',
      '--import',
      'tsx',
      'test/proof/soak-child.ts',
      String(SOAK_CALLS),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`soak child exited ${String(code)}: ${err}`));
      else resolve(JSON.parse(out) as Soak);
    });
  });
}

const figures: { soak?: Soak; soakStderr?: string; concurrent?: { answered: number; samples: number } } = {};
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

afterAll(() => {
  const soak = figures.soak;
  const rows: (string | number)[][] = [];
  if (soak !== undefined) {
    rows.push(
      ['calls through the full pipeline, one process', soak.calls.toLocaleString('en-US')],
      [
        'answered (after a warm-up of ' + soak.warmup.toLocaleString('en-US') + ')',
        soak.answered.toLocaleString('en-US'),
      ],
      ['histogram samples', soak.samples.toLocaleString('en-US')],
      ['heap after GC, before → after', `${mb(soak.heapBefore)} → ${mb(soak.heapAfter)}`],
      ['heap growth (threshold 10 MB)', mb(soak.heapAfter - soak.heapBefore)],
      ['wall time of the measured calls', `${soak.seconds.toFixed(1)} s`],
    );
  }
  if (figures.concurrent !== undefined) {
    rows.push(
      ['concurrent calls', CONCURRENT.toLocaleString('en-US')],
      ['answered', figures.concurrent.answered.toLocaleString('en-US')],
      ['histogram samples', figures.concurrent.samples.toLocaleString('en-US')],
    );
  }
  writeProofSection(
    'load',
    [
      '## Load and soak',
      '',
      'The soak runs `test/proof/soak-child.ts` with `node --expose-gc` (spawned by the suite): every',
      'middleware with memory stores, `createToolRunner(...).bind` on a read-only tool, 500 calls in flight at',
      'a time over 500 distinct arguments and 8 principals, heap measured after three forced GCs.',
      '',
      table(['figure', 'value'], rows),
    ].join('\n'),
  );
});

describe('load and soak', () => {
  it('answers a million calls through the full pipeline and grows the heap by at most 10 MB after GC', async () => {
    const soak = await runSoak();
    figures.soak = soak;
    expect(soak.answered).toBe(soak.calls + soak.warmup);
    expect(soak.errors).toBe(0);
    expect(soak.samples).toBe(soak.calls + soak.warmup);
    expect(soak.heapAfter - soak.heapBefore).toBeLessThanOrEqual(MAX_HEAP_GROWTH_BYTES);
  }, 120_000);

  it('answers 10 000 concurrent calls, each counted once in metrics, spans and the handler', async () => {
    const observed = new Observed();
    const principal: Principal = Object.freeze({ id: 'loader', scopes: [], roles: [], claims: {} });
    const built = fullPipeline(observed, {
      from: () => principal,
      maxConcurrent: CONCURRENT,
      verbose: false,
    });
    const runner = createToolRunner(built.pipeline, { events: observed.channel, debug: false });
    const tool: ToolInfo = { name: 'slow_write' }; // not read-only: no cache, every call reaches the handler
    let handled = 0;
    const run = runner.bind(tool, async (): Promise<CallToolResult> => {
      handled++;
      await new Promise<void>((resolve) => setImmediate(resolve));
      return { content: [{ type: 'text', text: 'ok' }] };
    });
    const extra = (i: number): ToolExtra => ({
      signal: new AbortController().signal,
      requestId: i,
      sendNotification: () => Promise.resolve(),
      sendRequest: () => Promise.reject(new Error('no client')),
    });
    const results = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => run({ n: i }, extra(i))));
    built.close();
    const samples = (await observed.metricsText())
      .split('\n')
      .filter((line) => line.startsWith('mcp_server_operation_duration_seconds_count'))
      .reduce((n, line) => n + Number(line.split(' ').pop()), 0);
    figures.concurrent = { answered: results.filter((r) => r.isError !== true).length, samples };
    await observed.close();
    expect(results.filter((r) => r.isError === true)).toEqual([]);
    expect(handled).toBe(CONCURRENT);
    expect(samples).toBe(CONCURRENT);
    expect(observed.spans()).toHaveLength(CONCURRENT);
    expect(observed.events).toEqual([]);
  });
});
