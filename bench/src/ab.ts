/**
 * An A/B of two builds in one process: `--base <rev>` against `--new <rev>` (default HEAD), each exported
 * and built under the temp directory (ab-build.ts), both loaded here, every case timed in alternating
 * blocks (ab-measure.ts). Prints a Markdown table of CPU µs per call, the median ratio new ÷ old and the
 * interquartile range of the per-round ratios. Progress goes to stderr.
 *
 *   node --expose-gc --no-concurrent-sweeping --import tsx src/ab.ts --base 8981d40 [--new HEAD | --new <built checkout>]
 *     [--rounds 41] [--block-ms 50] [--warm-up-ms 300] [--filter tracing] [--gc minor|major]
 *     [--json out.json]
 *     [--node <binary>] [--clean]
 *
 * `--node` runs the timing under another Node binary (the builds are made once, by this one); `--clean`
 * removes the built revisions afterwards (they are kept so a second Node or a profile reuses them).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanBuilds, loadKit, prepare, type Kit } from './ab-build.js';
import { AB_CASES, setUp } from './ab-cases.js';
import { measure, type Pair, type PairResult } from './ab-measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const argv = process.argv.slice(2);
const option = (name: string): string | undefined =>
  argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;

// Every block starts after a collection (--expose-gc). After a full one (--gc major) V8 sweeps on helper
// threads, which process CPU time counts: with this flag the sweep is part of the collection, not the block.
const SWEEP_FLAG = '--no-concurrent-sweeping';

const progress = (message: string): void => {
  process.stderr.write(`[ab node${process.versions.node.split('.')[0]}] ${message}\n`);
};

/** Verdict on a case: `slower` when even the lower quartile of the per-round ratios is above 1. */
export function verdictOf(result: Pick<PairResult, 'q1' | 'q3'>): 'slower' | 'faster' | 'same' {
  if (result.q1 > 1) return 'slower';
  if (result.q3 < 1) return 'faster';
  return 'same';
}

const us = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function table(results: readonly PairResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${us(r.oldUs)} | ${us(r.newUs)} | ${r.ratio.toFixed(3)} | ` +
      `${r.q1.toFixed(3)}–${r.q3.toFixed(3)} | ${verdictOf(r)} |`,
  );
  return [
    '| case | old µs | new µs | new ÷ old | IQR of ratios | verdict |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Re-runs this script under another Node binary; it finds the builds this one made. */
function delegate(node: string): number {
  const kept = argv.filter((arg, i) => arg !== '--node' && argv[i - 1] !== '--node' && arg !== '--clean');
  const child = spawnSync(
    node,
    ['--expose-gc', SWEEP_FLAG, '--import', 'tsx', fileURLToPath(import.meta.url), ...kept],
    {
      cwd: resolve(here, '..'),
      stdio: 'inherit',
    },
  );
  return child.status ?? 1;
}

async function pairsOf(oldKit: Kit, newKit: Kit, filter: string | undefined): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (const spec of AB_CASES) {
    if (filter !== undefined && !spec.name.includes(filter)) continue;
    pairs.push({ name: spec.name, old: await setUp(spec, oldKit), new: await setUp(spec, newKit) });
  }
  if (pairs.length === 0) throw new Error(`no case matches ${filter ?? ''}`);
  return pairs;
}

async function time(oldSide: { root: string; name: string }, newSide: { root: string; name: string }) {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function' || !process.execArgv.includes(SWEEP_FLAG)) {
    throw new Error(`run with node --expose-gc ${SWEEP_FLAG} (pnpm ab does)`);
  }
  const oldKit = await loadKit(`old ${oldSide.name}`, oldSide.root);
  const newKit = await loadKit(`new ${newSide.name}`, newSide.root);
  const pairs = await pairsOf(oldKit, newKit, option('--filter'));
  const loadBefore = loadavg();
  const results = await measure(pairs, {
    rounds: Number(option('--rounds') ?? 41),
    blockMs: Number(option('--block-ms') ?? 50),
    warmUpMs: Number(option('--warm-up-ms') ?? 300),
    gc: option('--gc') === 'major' ? 'major' : 'minor',
    progress,
  });
  const loadAfter = loadavg();
  for (const pair of pairs) {
    await pair.old.teardown?.();
    await pair.new.teardown?.();
  }
  const load = (l: number[]): string => l.map((n) => n.toFixed(2)).join(' ');
  process.stdout.write(
    `A/B in one process, Node ${process.versions.node}: old ${oldSide.name}, new ${newSide.name}; ` +
      `CPU per call, ${results[0]?.rounds ?? 0} rounds; load average ${load(loadBefore)} at the start, ` +
      `${load(loadAfter)} at the end\n\n${table(results)}\n`,
  );
  const json = option('--json');
  if (json !== undefined) {
    const record = {
      node: process.versions.node,
      old: oldSide,
      new: newSide,
      loadBefore,
      loadAfter,
      results,
    };
    writeFileSync(json, `${JSON.stringify(record, null, 2)}\n`);
  }
}

async function main(): Promise<void> {
  const base = option('--base');
  if (base === undefined) throw new Error('--base <revision> is required');
  const oldSide = prepare(repo, base);
  const newSide = prepare(repo, option('--new') ?? 'HEAD');
  const node = option('--node');
  if (node !== undefined && resolve(node) !== process.execPath) {
    process.exitCode = delegate(node);
  } else {
    await time(oldSide, newSide);
  }
  if (argv.includes('--clean')) cleanBuilds([oldSide.root, newSide.root]);
}

await main();
