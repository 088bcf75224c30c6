/**
 * Runs the benchmark cases side by side with the raw handler, in interleaved rounds, and reports
 * medians and ratios of wall-clock and CPU time. `--quick` runs the headline cases; `--filter x` only
 * cases whose name contains x (and what they are compared with); `--rounds n`; `--per-round` prints each
 * round's samples to stderr (what a median ratio is the median of). A full run (no `--quick`,
 * no `--filter`, no `--no-write`) records itself in results.json under its Node major and rewrites
 * RESULTS.md. The JSON of the run always goes to stdout; progress goes to stderr.
 *
 * The run is split over fresh processes: the per-call and round-trip cases in one, the cases that hold
 * up to a million keys in another (their heaps would slow every other case's garbage collection), and
 * each memory probe alone (so its RSS growth is its own). Each process times its own `raw`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evaluateGoals, type GoalResult } from './goals.js';
import {
  benchArgs,
  benchExtra,
  rawHandler,
  type BenchCase,
  type BenchOp,
  type BenchProbe,
} from './harness.js';
import { renderMarkdown } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const option = (name: string): string | undefined =>
  argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
const quick = argv.includes('--quick');
const filter = option('--filter');
const write = !quick && filter === undefined && !argv.includes('--no-write');
// Even: the ratios to a baseline are read over pairs of rounds run in both orders (bothOrders).
const rounds = Number(option('--rounds') ?? (quick ? 6 : 12));
if (!Number.isInteger(rounds) || rounds < 2 || rounds % 2 !== 0) {
  console.error(
    `--rounds must be an even whole number, at least 2 (got ${String(option('--rounds'))}): ratios are read over pairs of rounds run in both orders`,
  );
  process.exit(2);
}
// `--per-round`: each round's samples (ns per call) on stderr, to read a ratio's spread behind its median.
const perRound = argv.includes('--per-round');
const part = option('--part') as Part | undefined;
const probeName = option('--probe');
// `--part isolated --only <case>`: the one case (and raw) in this process.
const only = option('--only');
// Fresh processes per isolated case, alternating with its baseline.
const ISOLATED_REPS = quick ? 1 : 3;

type Part = 'main' | 'scale' | 'gateway' | 'gateway-http' | 'isolated';

/**
 * The process a (not isolated) case is timed in. The gateway cases run in processes of their own: beside
 * the 60 pipelines of the main part, its heap and collector moved their ratios by a third between full
 * runs; and the in-process gateway, whose gateway shares the bench's heap, apart from the 1000 HTTP
 * clients.
 */
function partOf(c: BenchCase): Exclude<Part, 'isolated'> {
  if (!c.name.startsWith('gateway-')) return c.group === 'scale' ? 'scale' : 'main';
  return c.group === 'throughput' ? 'gateway-http' : 'gateway';
}
const RAW_BATCH = 20_000;
const WARM_UP_CPU_NS = (quick ? 30 : 500) * 1e6;
const WARM_UP_CALLS = quick ? 0 : 5000;
const WARM_UP_WALL_MS = quick ? 2000 : 15_000;
// The gateway cases spawn three tsx processes (about 20 s of setup on a loaded 2-core machine), which
// alone would break the 60 s budget of --quick; the full run keeps them.
const QUICK_SKIP = /^gateway-/;

/** One case's figures: medians over rounds, in nanoseconds per tool call. */
export interface CaseResult {
  name: string;
  group: BenchCase['group'];
  description: string;
  /** Wall clock per call. */
  nsPerOp: number;
  /** Process CPU time (user + system, all threads) per call. */
  cpuNsPerOp: number;
  ratioToRaw: number;
  cpuRatioToRaw: number;
  /** Median of the per-round differences to the `raw` batch timed beside it. */
  addedNs: number;
  cpuAddedNs: number;
  /** For an isolated case: how many fresh processes its figures are the medians of. */
  processes?: number;
  /** The same against the case's own baseline (wrapped against bare), when it has one. */
  vsBaseline?: { name: string; ratio: number; cpuRatio: number; addedNs: number; cpuAddedNs: number };
}

export interface ProbeResult {
  name: string;
  description: string;
  values: Record<string, number>;
}

export interface RunResult {
  date: string;
  node: string;
  machine: string;
  /** 1-minute load average at the start and the end of the run: how busy the machine was. */
  load: [number, number];
  rounds: number;
  cases: CaseResult[];
  probes: ProbeResult[];
  goals: GoalResult[];
}

const rawCase: BenchCase = {
  name: 'raw',
  group: 'baseline',
  description: '`await handler(args, extra)`, the cost every other case is compared with',
  quick: true,
  batch: RAW_BATCH,
  setup(): BenchOp {
    const extra = benchExtra();
    return { run: () => rawHandler(benchArgs, extra) };
  },
};

async function loadModules(): Promise<{ cases: BenchCase[]; probes: BenchProbe[] }> {
  const dir = join(here, 'cases');
  const cases: BenchCase[] = [];
  const probes: BenchProbe[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    let mod: { cases?: BenchCase[]; probes?: BenchProbe[] };
    try {
      mod = (await import(pathToFileURL(join(dir, file)).href)) as typeof mod;
    } catch (error) {
      // A package an engineer is still editing may not load: bench the rest, and say so.
      progress(`skipped ${file}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    cases.push(...(mod.cases ?? []));
    probes.push(...(mod.probes ?? []));
  }
  return { cases, probes };
}

const selected = (c: { name: string; quick?: boolean }): boolean =>
  (!quick || c.quick === true) && (filter === undefined || c.name.includes(filter));

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const round1 = (n: number): number => Math.round(n * 10) / 10;
const round2 = (n: number): number => Math.round(n * 100) / 100;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;
const progress = (message: string): void => {
  process.stderr.write(`[bench node${process.versions.node.split('.')[0]}] ${message}\n`);
};

interface Sample {
  wall: number;
  cpu: number;
}

async function timeBatch(op: BenchOp, runs: number, callsPerRun: number): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await op.run();
  const wall = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpu0);
  const calls = runs * callsPerRun;
  return { wall: wall / calls, cpu: ((cpu.user + cpu.system) * 1000) / calls };
}

/** Batches shrink eightfold under --quick. */
const batchOf = (c: BenchCase): number => {
  const batch = c.batch ?? 20_000;
  return quick ? Math.max(1, Math.ceil(batch / 8)) : batch;
};

/**
 * A case's per-round comparisons with its baseline, taken two rounds at a time: one ran the case after its
 * baseline, the next before it (the order flips every round), so each pair's geometric mean ratio (and
 * mean difference) cancels what running second costs or saves. A batch pays for the garbage and the busy
 * child processes the batch before it left: the spawned gateway's ratio read 0.8–1.24× (CPU) in the rounds
 * where it ran second and 1.6–2.2× where it ran first, and a median over single rounds fell on whichever
 * side had one more round. An odd last round has no partner and is left out.
 */
function bothOrders(rounds: readonly { diff: Sample; ratio: Sample }[]): { diff: Sample; ratio: Sample }[] {
  const pairs: { diff: Sample; ratio: Sample }[] = [];
  for (let r = 0; r + 1 < rounds.length; r += 2) {
    const [a, b] = [
      rounds[r] as { diff: Sample; ratio: Sample },
      rounds[r + 1] as { diff: Sample; ratio: Sample },
    ];
    pairs.push({
      diff: { wall: (a.diff.wall + b.diff.wall) / 2, cpu: (a.diff.cpu + b.diff.cpu) / 2 },
      ratio: { wall: Math.sqrt(a.ratio.wall * b.ratio.wall), cpu: Math.sqrt(a.ratio.cpu * b.ratio.cpu) },
    });
  }
  return pairs;
}

/** Times the cases of one part (`all` under --quick) in this process. */
async function runPart(which: Part | 'all', loaded?: BenchCase[]): Promise<CaseResult[]> {
  const all = loaded ?? (await loadModules()).cases;
  const inPart = (c: BenchCase): boolean =>
    which === 'isolated' ? c.name === only : which === 'all' || (c.isolated !== true && partOf(c) === which);
  const byName = new Map(all.map((c) => [c.name, c]));
  const chosen = new Set(
    all.filter(
      (c) => inPart(c) && (which === 'isolated' || selected(c)) && !(quick && QUICK_SKIP.test(c.name)),
    ),
  );
  // A chosen case's baseline runs too, even when the filter or --quick left it out (an isolated case's
  // baseline runs in processes of its own).
  for (const c of which === 'isolated' ? [] : [...chosen]) {
    const base = c.baseline === undefined ? undefined : byName.get(c.baseline);
    if (c.baseline !== undefined && base === undefined) throw new Error(`${c.name}: no case ${c.baseline}`);
    if (base !== undefined) chosen.add(base);
  }
  const cases = [rawCase, ...all.filter((c) => chosen.has(c))];
  const ops = new Map<BenchCase, BenchOp>();
  for (const c of cases) {
    const started = Date.now();
    ops.set(c, await c.setup());
    if (Date.now() - started > 2000) progress(`${which}: set up ${c.name} in ${Date.now() - started} ms`);
  }
  const opOf = (c: BenchCase): BenchOp => ops.get(c) as BenchOp;
  const time = (c: BenchCase): Promise<Sample> => timeBatch(opOf(c), batchOf(c), c.callsPerRun ?? 1);

  // Warm every case until the JIT has settled: round trips through the SDK keep getting faster for
  // thousands of calls (over HTTP the wrapped server needed about 4000), so warm-up is a CPU-time budget
  // and a number of calls per case, bounded by wall clock for the slowest cases.
  progress(`${which}: warming up ${cases.length} cases`);
  for (const c of cases) {
    const calls = batchOf(c) * (c.callsPerRun ?? 1);
    const started = Date.now();
    let spentNs = 0;
    let made = 0;
    for (
      let b = 0;
      b < 2 || ((spentNs < WARM_UP_CPU_NS || made < WARM_UP_CALLS) && Date.now() - started < WARM_UP_WALL_MS);
      b++
    ) {
      const sample = await time(c);
      spentNs += sample.cpu * calls;
      made += calls;
    }
  }

  const own = new Map<BenchCase, Sample[]>(cases.map((c) => [c, []]));
  const vsRaw = new Map<BenchCase, Sample[]>(cases.map((c) => [c, []]));
  const vsBase = new Map<BenchCase, { diff: Sample; ratio: Sample }[]>(cases.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    progress(`${which}: round ${r + 1}/${rounds}`);
    // Alternate the order, so neither a case nor its comparison always runs first.
    const forward = r % 2 === 0;
    for (const c of forward ? cases : [...cases].reverse()) {
      const base = c.baseline === undefined || which === 'isolated' ? undefined : byName.get(c.baseline);
      let raw: Sample;
      let mine: Sample;
      let theirs: Sample | undefined;
      if (forward) {
        raw = await time(rawCase);
        theirs = base === undefined ? undefined : await time(base);
        mine = c === rawCase ? raw : await time(c);
      } else {
        mine = await time(c);
        theirs = base === undefined ? undefined : await time(base);
        raw = c === rawCase ? mine : await time(rawCase);
      }
      if (perRound) progress(`${c.name} ${JSON.stringify({ raw, mine, theirs })}`);
      (own.get(c) as Sample[]).push(mine);
      (vsRaw.get(c) as Sample[]).push({ wall: mine.wall - raw.wall, cpu: mine.cpu - raw.cpu });
      if (theirs !== undefined) {
        (vsBase.get(c) as { diff: Sample; ratio: Sample }[]).push({
          diff: { wall: mine.wall - theirs.wall, cpu: mine.cpu - theirs.cpu },
          ratio: { wall: mine.wall / theirs.wall, cpu: mine.cpu / theirs.cpu },
        });
      }
    }
  }
  for (const op of ops.values()) await op.teardown?.();

  const med = (samples: readonly Sample[], pick: 'wall' | 'cpu'): number =>
    median(samples.map((s) => s[pick]));
  const rawSamples = own.get(rawCase) as Sample[];
  const results: CaseResult[] = cases.map((c) => {
    const samples = own.get(c) as Sample[];
    const paired = bothOrders(vsBase.get(c) as { diff: Sample; ratio: Sample }[]);
    const result: CaseResult = {
      name: c.name,
      group: c.group,
      description: c.description,
      nsPerOp: round1(med(samples, 'wall')),
      cpuNsPerOp: round1(med(samples, 'cpu')),
      ratioToRaw: round2(med(samples, 'wall') / med(rawSamples, 'wall')),
      cpuRatioToRaw: round2(med(samples, 'cpu') / med(rawSamples, 'cpu')),
      addedNs: c === rawCase ? 0 : Math.round(med(vsRaw.get(c) as Sample[], 'wall')),
      cpuAddedNs: c === rawCase ? 0 : Math.round(med(vsRaw.get(c) as Sample[], 'cpu')),
    };
    if (c.baseline !== undefined && paired.length > 0) {
      result.vsBaseline = {
        name: c.baseline,
        ratio: round3(median(paired.map((p) => p.ratio.wall))),
        cpuRatio: round3(median(paired.map((p) => p.ratio.cpu))),
        addedNs: Math.round(median(paired.map((p) => p.diff.wall))),
        cpuAddedNs: Math.round(median(paired.map((p) => p.diff.cpu))),
      };
    }
    return result;
  });
  return results;
}

/** Runs one probe in this (fresh) process and prints its values as JSON. */
async function runProbe(name: string): Promise<void> {
  const { probes } = await loadModules();
  const probe = probes.find((p) => p.name === name);
  if (probe === undefined) throw new Error(`no probe ${name}`);
  process.stdout.write(`${JSON.stringify(await probe.run())}\n`);
}

/** Runs this script again in a fresh process with `args`, and parses the JSON it prints. */
function child<T>(args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [...nodeFlags, ...process.execArgv, fileURLToPath(import.meta.url), ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => (out += chunk));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() as string) as T);
    });
  });
}

async function orchestrate(): Promise<void> {
  const forwarded = [
    '--rounds',
    String(rounds),
    ...(quick ? ['--quick'] : []),
    ...(perRound ? ['--per-round'] : []),
  ];
  if (filter !== undefined) forwarded.push('--filter', filter);
  const loadStart = loadavg()[0] as number;
  const { cases: all, probes } = await loadModules();

  // --quick runs in this one process: starting more would spend its budget on loading modules.
  const main = quick
    ? await runPart('all', all)
    : await child<CaseResult[]>(['--part', 'main', ...forwarded]);
  const ownPart = async (which: 'scale' | 'gateway' | 'gateway-http'): Promise<CaseResult[]> =>
    !quick && all.some((c) => c.isolated !== true && partOf(c) === which && selected(c))
      ? (await child<CaseResult[]>(['--part', which, ...forwarded])).filter((c) => c.name !== 'raw')
      : [];
  const scale = await ownPart('scale');
  const gateway = [...(await ownPart('gateway')), ...(await ownPart('gateway-http'))];
  const probeResults: ProbeResult[] = [];
  for (const probe of probes.filter(selected)) {
    progress(`probe ${probe.name}`);
    const values = await child<Record<string, number>>(['--probe', probe.name], ['--expose-gc']);
    probeResults.push({ name: probe.name, description: probe.description, values });
  }

  const isolated = quick ? [] : await runIsolated(all, forwarded);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  const cases = [...main, ...isolated, ...scale, ...gateway];
  const run: RunResult = {
    date: new Date().toISOString(),
    node: process.version,
    machine: `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    load: [round2(loadStart), round2(loadavg()[0] as number)],
    rounds,
    cases,
    probes: probeResults,
    goals: evaluateGoals(Number(process.versions.node.split('.')[0]), cases, probeResults),
  };
  process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);

  if (write) {
    const file = join(here, '..', 'results.json');
    const stored = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Record<
      string,
      RunResult
    >;
    stored[`node${process.versions.node.split('.')[0]}`] = run;
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`);
    render();
  }
}

/**
 * Times the isolated cases: each in a fresh process, alternating with its baseline, ISOLATED_REPS times
 * each. A case's figures are medians over its processes; its ratio to the baseline is the median of the
 * ratios of the processes run one after the other.
 */
async function runIsolated(all: readonly BenchCase[], forwarded: string[]): Promise<CaseResult[]> {
  const isolated = all.filter((c) => c.isolated === true);
  const wanted = isolated.filter((c) => selected(c));
  const names = new Set(wanted.map((c) => c.name));
  for (const c of wanted) if (c.baseline !== undefined) names.add(c.baseline);
  const runs = new Map<string, CaseResult[]>([...names].map((n) => [n, []]));
  const pairs: { ratio: Sample; diff: Sample }[][] = [];
  const once = async (name: string): Promise<CaseResult> => {
    const results = await child<CaseResult[]>(['--part', 'isolated', '--only', name, ...forwarded]);
    const mine = results.find((r) => r.name === name) as CaseResult;
    (runs.get(name) as CaseResult[]).push(mine);
    return mine;
  };
  const wrapped = isolated.filter((c) => names.has(c.name) && c.baseline !== undefined);
  for (let rep = 0; rep < ISOLATED_REPS; rep++) {
    progress(`isolated: repetition ${rep + 1}/${ISOLATED_REPS}`);
    for (const [i, c] of wrapped.entries()) {
      const base = c.baseline as string;
      const [first, second] = rep % 2 === 0 ? [base, c.name] : [c.name, base];
      const a = await once(first);
      const b = await once(second);
      const [bare, mine] = first === base ? [a, b] : [b, a];
      (pairs[i] ??= []).push({
        ratio: { wall: mine.nsPerOp / bare.nsPerOp, cpu: mine.cpuNsPerOp / bare.cpuNsPerOp },
        diff: { wall: mine.nsPerOp - bare.nsPerOp, cpu: mine.cpuNsPerOp - bare.cpuNsPerOp },
      });
    }
    for (const name of names) {
      const c = isolated.find((x) => x.name === name) as BenchCase;
      const paired = c.baseline !== undefined || wrapped.some((w) => w.baseline === name);
      if (!paired) await once(name);
    }
  }
  return [...names].map((name) => {
    const results = runs.get(name) as CaseResult[];
    const pick = (f: (r: CaseResult) => number): number => median(results.map(f));
    const result: CaseResult = {
      ...(results[0] as CaseResult),
      nsPerOp: pick((r) => r.nsPerOp),
      cpuNsPerOp: pick((r) => r.cpuNsPerOp),
      ratioToRaw: pick((r) => r.ratioToRaw),
      cpuRatioToRaw: pick((r) => r.cpuRatioToRaw),
      addedNs: pick((r) => r.addedNs),
      cpuAddedNs: pick((r) => r.cpuAddedNs),
      processes: results.length,
    };
    delete result.vsBaseline;
    const i = wrapped.findIndex((w) => w.name === name);
    const paired = i === -1 ? undefined : pairs[i];
    if (paired !== undefined) {
      result.vsBaseline = {
        name: wrapped[i]?.baseline as string,
        ratio: round3(median(paired.map((p) => p.ratio.wall))),
        cpuRatio: round3(median(paired.map((p) => p.ratio.cpu))),
        addedNs: Math.round(median(paired.map((p) => p.diff.wall))),
        cpuAddedNs: Math.round(median(paired.map((p) => p.diff.cpu))),
      };
    }
    return result;
  });
}

/** Rewrites RESULTS.md from results.json and FINDINGS.md (also on its own: `--render`). */
function render(): void {
  const stored = JSON.parse(readFileSync(join(here, '..', 'results.json'), 'utf8')) as Record<
    string,
    RunResult
  >;
  const findings = join(here, '..', 'FINDINGS.md');
  writeFileSync(
    join(here, '..', 'RESULTS.md'),
    renderMarkdown(stored, existsSync(findings) ? readFileSync(findings, 'utf8') : ''),
  );
}

if (argv.includes('--render')) render();
else if (probeName !== undefined) await runProbe(probeName);
else if (part !== undefined) process.stdout.write(`${JSON.stringify(await runPart(part))}\n`);
else await orchestrate();
