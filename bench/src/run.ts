/**
 * Runs the benchmark cases side by side with the raw handler, in interleaved rounds, and reports
 * medians and ratios. `--quick` runs the headline cases; `--filter x` only cases whose name contains x;
 * without `--no-write` it records the run in results.json (per Node major) and rewrites RESULTS.md.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs, benchExtra, rawHandler, type BenchCase, type BenchOp } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const write = !quick && !argv.includes('--no-write');
const filter = argv.includes('--filter') ? argv[argv.indexOf('--filter') + 1] : undefined;
const rounds = Number(argv.includes('--rounds') ? argv[argv.indexOf('--rounds') + 1] : quick ? 5 : 11);

const rawCase: BenchCase = {
  name: 'raw',
  group: 'baseline',
  description: '`await handler(args, extra)`, the cost every other case is compared with',
  quick: true,
  setup(): BenchOp {
    const extra = benchExtra();
    return { run: () => rawHandler(benchArgs, extra) };
  },
};

async function loadCases(): Promise<BenchCase[]> {
  const dir = join(here, 'cases');
  const all: BenchCase[] = [rawCase];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { cases?: BenchCase[] };
    all.push(...(mod.cases ?? []));
  }
  return all.filter(
    (c) =>
      c.name === 'raw' || ((!quick || c.quick === true) && (filter === undefined || c.name.includes(filter))),
  );
}

async function timeBatch(op: BenchOp, batch: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) await op.run();
  return Number(process.hrtime.bigint() - start) / batch;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

interface CaseResult {
  name: string;
  group: BenchCase['group'];
  description: string;
  nsPerOp: number;
  ratioToRaw: number;
  addedNs: number;
  rounds: number[];
}

const cases = await loadCases();
const ops = new Map<BenchCase, BenchOp>();
for (const c of cases) ops.set(c, await c.setup());

// Warm up every case before measuring, so the JIT has settled for all of them.
for (const c of cases) {
  const op = ops.get(c) as BenchOp;
  await timeBatch(op, Math.max(100, (c.batch ?? 20_000) * 2));
}
// Each case is timed right after a batch of the raw handler, so both see the same machine load; the
// per-round difference is what the case adds.
const samples = new Map<BenchCase, number[]>(cases.map((c) => [c, []]));
const added = new Map<BenchCase, number[]>(cases.map((c) => [c, []]));
const rawOp = ops.get(rawCase) as BenchOp;
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const batch = c.batch ?? 20_000;
    const raw = await timeBatch(rawOp, Math.min(batch, 20_000));
    const ns = c === rawCase ? raw : await timeBatch(ops.get(c) as BenchOp, batch);
    (samples.get(c) as number[]).push(ns);
    (added.get(c) as number[]).push(ns - raw);
  }
}
for (const op of ops.values()) await op.teardown?.();

const rawNs = median(samples.get(rawCase) as number[]);
const results: CaseResult[] = cases.map((c) => {
  const nsPerOp = median(samples.get(c) as number[]);
  return {
    name: c.name,
    group: c.group,
    description: c.description,
    nsPerOp: Math.round(nsPerOp * 10) / 10,
    ratioToRaw: Math.round((nsPerOp / rawNs) * 100) / 100,
    addedNs: c === rawCase ? 0 : Math.round(median(added.get(c) as number[])),
    rounds: (samples.get(c) as number[]).map((n) => Math.round(n)),
  };
});

const cpu = cpus()[0]?.model ?? 'unknown cpu';
const run = {
  date: new Date().toISOString(),
  node: process.version,
  machine: `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  rounds,
  cases: results.map(({ rounds: _r, ...rest }) => rest),
};
process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);

if (write) {
  const file = join(here, '..', 'results.json');
  const stored = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Record<
    string,
    typeof run
  >;
  stored[`node${process.versions.node.split('.')[0]}`] = run;
  writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`);
  writeFileSync(join(here, '..', 'RESULTS.md'), renderMarkdown(stored));
}

function fmt(ns: number): string {
  return ns >= 100_000
    ? `${(ns / 1000).toFixed(0)} µs`
    : ns >= 1000
      ? `${(ns / 1000).toFixed(2)} µs`
      : `${ns.toFixed(0)} ns`;
}

function renderMarkdown(stored: Record<string, typeof run>): string {
  const lines = [
    '# Benchmark results',
    '',
    'Written by `pnpm bench` (bench/src/run.ts); do not edit by hand. Every case runs in the same process as',
    'the raw handler, in interleaved rounds; each figure is the median of the rounds. "added" is the case',
    'minus `raw`: what the middleware costs per call. The machine is shared and noisy: read ratios and',
    'medians, not single digits.',
    '',
  ];
  for (const [key, r] of Object.entries(stored).sort()) {
    lines.push(
      `## ${key} — Node ${r.node}`,
      '',
      `${r.machine}; ${r.date.slice(0, 10)}; ${r.rounds} rounds.`,
      '',
    );
    lines.push(
      '| case | group | per call | added vs raw | ratio to raw | what it measures |',
      '|---|---|---|---|---|---|',
    );
    for (const c of r.cases) {
      lines.push(
        `| ${c.name} | ${c.group} | ${fmt(c.nsPerOp)} | ${c.name === 'raw' ? '—' : fmt(c.addedNs)} | ${c.ratioToRaw}× | ${c.description} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
