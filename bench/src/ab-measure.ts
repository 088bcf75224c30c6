/**
 * Timing for an A/B in one process: both builds of a case warm up, then run in alternating blocks
 * (old, new, then new, old in the next round), each block after a collection and timed in process CPU
 * time. The per-round ratio new ÷ old is what the report rests on: both blocks of a round saw the same
 * machine, so load from other processes cancels out of it.
 */
import type { BenchOp } from './harness.js';

/** A case's two builds, set up and ready to run. */
export interface Pair {
  readonly name: string;
  readonly old: BenchOp;
  readonly new: BenchOp;
}

/** A case's figures over all rounds: CPU µs per call, and the spread of the per-round ratios. */
export interface PairResult {
  readonly name: string;
  /** Calls per timed block (the same for both builds). */
  readonly calls: number;
  readonly rounds: number;
  readonly oldUs: number;
  readonly newUs: number;
  /** Median of the per-round ratios new ÷ old. */
  readonly ratio: number;
  /** The interquartile range of the per-round ratios. */
  readonly q1: number;
  readonly q3: number;
}

export interface MeasureOptions {
  readonly rounds: number;
  /** CPU time one block aims at; the call count is set from the warm-up. */
  readonly blockMs: number;
  /** CPU time each build of each case runs before timing. */
  readonly warmUpMs: number;
  /** The collection before every block. */
  readonly gc: 'minor' | 'major';
  readonly progress: (message: string) => void;
}

type Gc = (options?: { type: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

/**
 * Before each block: a scavenge (default), so no block pays for the young garbage of the block before it,
 * or a full collection. Not a bare gc(): it reduces memory, flushing compiled code and type feedback, and
 * every block started cold (Node 20, the nine layers: 37-66 µs a call after gc(), 8.8 µs after a major
 * collection, 8.4 µs after a scavenge, 9.3 µs with none). On Node 24 even a forced major collection left
 * the next block at 26-31 µs against 7.9 µs after a scavenge, hence the default.
 */
function collect(kind: 'minor' | 'major'): void {
  (globalThis as { gc?: Gc }).gc?.({ type: kind, execution: 'sync' });
}

// Untimed calls after the collection: the first calls after one pay for fresh young-generation pages, a
// cost of the collection, not of the code being timed.
const SETTLE_CALLS = 500;

/** Process CPU time (user + system, all threads) per call, in µs, over `calls` sequential calls. */
async function cpuPerCall(op: BenchOp, calls: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await op.run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

/** One timed block, after a collection. */
async function block(op: BenchOp, calls: number, gc: 'minor' | 'major'): Promise<number> {
  collect(gc);
  for (let i = 0; i < SETTLE_CALLS; i++) await op.run();
  return cpuPerCall(op, calls);
}

/**
 * Runs both builds in alternate blocks of 1000 calls until each has used `ms` of CPU (and made at least
 * 5000 calls); returns the slower one's µs per call in its last block. Both make the same number of
 * calls, so a CPU profile of the run compares them directly.
 */
async function warmUp(pair: Pair, ms: number): Promise<number> {
  let oldSpentUs = 0;
  let newSpentUs = 0;
  let made = 0;
  let perCall = 0;
  while (Math.min(oldSpentUs, newSpentUs) < ms * 1000 || made < 5000) {
    const oldUs = await cpuPerCall(pair.old, 1000);
    const newUs = await cpuPerCall(pair.new, 1000);
    oldSpentUs += oldUs * 1000;
    newSpentUs += newUs * 1000;
    made += 1000;
    perCall = Math.max(oldUs, newUs);
  }
  return perCall;
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  const lowValue = sorted[low] as number;
  return lowValue + ((sorted[high] as number) - lowValue) * (at - low);
}

interface Samples {
  old: number[];
  new: number[];
  ratio: number[];
}

/**
 * Every pair warmed up, then `rounds` rounds over all pairs: in each, a pair's old and new blocks run
 * back to back, the order flipping every round, so neither build always runs first after a collection.
 */
export async function measure(pairs: readonly Pair[], options: MeasureOptions): Promise<PairResult[]> {
  const calls = new Map<Pair, number>();
  for (const pair of pairs) {
    const perCall = Math.max(await warmUp(pair, options.warmUpMs), 0.05);
    calls.set(pair, Math.min(200_000, Math.max(500, Math.round((options.blockMs * 1000) / perCall))));
    options.progress(`warmed ${pair.name}: ${perCall.toFixed(2)} µs per call`);
  }
  const samples = new Map<Pair, Samples>(pairs.map((p) => [p, { old: [], new: [], ratio: [] }]));
  for (let round = 0; round < options.rounds; round++) {
    for (const pair of pairs) {
      const n = calls.get(pair) as number;
      const newFirst = round % 2 === 1;
      const first = await block(newFirst ? pair.new : pair.old, n, options.gc);
      const second = await block(newFirst ? pair.old : pair.new, n, options.gc);
      const [oldUs, newUs] = newFirst ? [second, first] : [first, second];
      const s = samples.get(pair) as Samples;
      s.old.push(oldUs);
      s.new.push(newUs);
      s.ratio.push(newUs / oldUs);
    }
    if ((round + 1) % 10 === 0) options.progress(`round ${round + 1} of ${options.rounds}`);
  }
  return pairs.map((pair) => {
    const s = samples.get(pair) as Samples;
    return {
      name: pair.name,
      calls: calls.get(pair) as number,
      rounds: options.rounds,
      oldUs: quantile(s.old, 0.5),
      newUs: quantile(s.new, 0.5),
      ratio: quantile(s.ratio, 0.5),
      q1: quantile(s.ratio, 0.25),
      q3: quantile(s.ratio, 0.75),
    };
  });
}
