/** The goals of issue 8, checked against one run's figures: wall clock and CPU time, each on its own. */
import type { CaseResult, ProbeResult } from './run.js';

/** One goal's verdict on one basis (wall clock, CPU time, or memory). */
export interface GoalMeasure {
  basis: 'wall' | 'cpu' | 'memory';
  value: number;
  met: boolean;
}

/** One goal: what was asked, and what was measured (empty when its cases did not run). */
export interface GoalResult {
  goal: string;
  target: string;
  unit: string;
  measures: GoalMeasure[];
}

const at = (cases: readonly CaseResult[], name: string): CaseResult | undefined =>
  cases.find((c) => c.name === name);

/** Checks the goals; a goal whose cases are missing from the run has no measures. */
export function evaluateGoals(
  nodeMajor: number,
  cases: readonly CaseResult[],
  probes: readonly ProbeResult[],
): GoalResult[] {
  const goals: GoalResult[] = [];
  const both = (wall: number, cpu: number, met: (v: number) => boolean): GoalMeasure[] => [
    { basis: 'wall', value: wall, met: met(wall) },
    { basis: 'cpu', value: cpu, met: met(cpu) },
  ];
  const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

  const full = at(cases, 'full-pipeline');
  const limitNs = nodeMajor >= 24 ? 1500 : 3000;
  goals.push({
    goal: '`full-pipeline` adds at most this per call over `raw`',
    target: `≤ ${limitNs} ns`,
    unit: 'ns',
    measures: full === undefined ? [] : both(full.addedNs, full.cpuAddedNs, (v) => v <= limitNs),
  });

  const naive = at(cases, 'naive-glue');
  goals.push({
    goal: '`naive-glue` adds this many times what `full-pipeline` adds',
    target: '≥ 1000×',
    unit: '×',
    measures:
      full === undefined || naive === undefined
        ? []
        : both(
            round(naive.addedNs / full.addedNs, 0),
            round(naive.cpuAddedNs / full.cpuAddedNs, 0),
            (v) => v >= 1000,
          ),
  });

  const ratioGoal = (name: string, goal: string, limit: number): GoalResult => {
    const c = at(cases, name);
    return {
      goal,
      target: `≤ ${limit}`,
      unit: '×',
      measures:
        c?.vsBaseline === undefined ? [] : both(c.vsBaseline.ratio, c.vsBaseline.cpuRatio, (v) => v <= limit),
    };
  };
  goals.push(ratioGoal('e2e-inmemory-full-pipeline', 'SDK in-memory round trip, wrapped ÷ bare', 1.05));
  goals.push(ratioGoal('e2e-http-full-pipeline', 'Streamable HTTP round trip, wrapped ÷ bare', 1.02));

  const wrapped = at(cases, 'throughput-full-pipeline');
  goals.push({
    goal: 'throughput with 1000 calls in flight, wrapped ÷ bare (calls per second)',
    target: '≥ 0.95',
    unit: '×',
    measures:
      wrapped?.vsBaseline === undefined
        ? []
        : both(round(1 / wrapped.vsBaseline.ratio), round(1 / wrapped.vsBaseline.cpuRatio), (v) => v >= 0.95),
  });

  const rss = probes.find((p) => p.name === 'ratelimit-memory-1M-keys')?.values.rssGrowthMiB;
  goals.push({
    goal: 'memory rateLimit with 1 000 000 keys: RSS growth',
    target: '≤ 256 MiB',
    unit: 'MiB',
    measures: rss === undefined ? [] : [{ basis: 'memory', value: rss, met: rss <= 256 }],
  });

  const ten = at(cases, 'ratelimit-memory-10-keys');
  const million = at(cases, 'ratelimit-memory-1000000-keys');
  goals.push({
    goal: 'memory rateLimit with 1 000 000 keys: added per-call cost ÷ the same with 10 keys',
    target: '≤ 1.10',
    unit: '×',
    measures:
      ten === undefined || million === undefined
        ? []
        : both(
            round(million.addedNs / ten.addedNs, 2),
            round(million.cpuAddedNs / ten.cpuAddedNs, 2),
            (v) => v <= 1.1,
          ),
  });
  return goals;
}
