/** The goals of issue 17 (with issue 8's memory goals and issue 15's gateway goals), checked against one run's figures: wall clock and CPU time, each on its own. */
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

// The layers "each layer alone" covers: one case per middleware, at its defaults.
const LAYER_CASES = [
  'tracing (no SDK)',
  'metrics',
  'logging (info, success)',
  'auth-authinfo',
  'ratelimit-memory',
  'validation-guards',
  'retry',
  'circuit-breaker',
  'timeout',
];

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

  const cpuAdded = (name: string): number | undefined => at(cases, name)?.cpuAddedNs;
  const wallAdded = (name: string): number | undefined => at(cases, name)?.addedNs;
  const addedGoal = (name: string, goal: string, limitNs: number): GoalResult => {
    const c = at(cases, name);
    return {
      goal,
      target: `≤ ${limitNs} ns`,
      unit: 'ns',
      measures: c === undefined ? [] : both(c.addedNs, c.cpuAddedNs, (v) => v <= limitNs),
    };
  };
  goals.push(
    addedGoal(
      'full-pipeline',
      '`full-pipeline`, a cache miss every call (every layer runs): added per call',
      nodeMajor >= 24 ? 5000 : 6000,
    ),
    addedGoal('full-pipeline-no-cache', 'the nine layers without the cache: added per call', 2000),
    addedGoal('full-pipeline (cache hit)', '`full-pipeline`, cache hit: added per call', 2500),
  );

  // Each layer alone: what its case adds beyond the empty runner's own cost.
  const runner = at(cases, 'runner-empty');
  const layers = LAYER_CASES.map((name) => at(cases, name)).filter((c) => c !== undefined);
  const worst = (pick: (c: CaseResult) => number): number =>
    Math.max(...layers.map((c) => pick(c) - pick(runner as CaseResult)));
  goals.push({
    goal: `each layer alone, beyond \`runner-empty\` (the dearest of ${LAYER_CASES.join(', ')})`,
    target: '≤ 400 ns',
    unit: 'ns',
    measures:
      runner === undefined || layers.length === 0
        ? []
        : both(
            worst((c) => c.addedNs),
            worst((c) => c.cpuAddedNs),
            (v) => v <= 400,
          ),
  });
  goals.push(addedGoal('cache-miss', '`cache-miss` alone: added per call', 3000));

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
  goals.push(
    ratioGoal(
      'e2e-inmemory-full-pipeline',
      'SDK in-memory round trip, wrapped ÷ bare (separate processes, alternated)',
      1.15,
    ),
    ratioGoal(
      'e2e-http-full-pipeline',
      'Streamable HTTP round trip, wrapped ÷ bare (separate processes)',
      1.03,
    ),
  );

  const wrapped = at(cases, 'throughput-full-pipeline');
  goals.push({
    goal: 'throughput with 1000 calls in flight, wrapped ÷ bare (calls per second, separate processes)',
    target: '≥ 0.9',
    unit: '×',
    measures:
      wrapped?.vsBaseline === undefined
        ? []
        : both(round(1 / wrapped.vsBaseline.ratio), round(1 / wrapped.vsBaseline.cpuRatio), (v) => v >= 0.9),
  });

  // Issue 15 (Speed): the gateway beside the direct connection to the same upstream, a no-op tool.
  goals.push(
    ratioGoal(
      'gateway-in-process-stdio',
      'in-process gateway over a stdio upstream ÷ the direct stdio call (`gateway-in-process-stdio`)',
      1.15,
    ),
    ratioGoal(
      'gateway-cli-stdio',
      'spawned `mcp-middleware proxy` (two stdio hops) ÷ the direct stdio call (`gateway-cli-stdio`)',
      2.2,
    ),
  );
  const gatewayHttp = at(cases, 'gateway-http-1000');
  goals.push({
    goal: '1000 concurrent HTTP clients through the spawned gateway ÷ the same on the upstream directly (calls per second, `gateway-http-1000`)',
    target: '≥ 0.9',
    unit: '×',
    measures:
      gatewayHttp?.vsBaseline === undefined
        ? []
        : both(
            round(1 / gatewayHttp.vsBaseline.ratio),
            round(1 / gatewayHttp.vsBaseline.cpuRatio),
            (v) => v >= 0.9,
          ),
  });

  const many = at(cases, 'tools-10000-full-pipeline');
  goals.push({
    goal: '10 000 tools vs 1 tool, per call (`tools-10000-full-pipeline` ÷ `tools-1-full-pipeline`)',
    target: '≤ 1.2',
    unit: '×',
    measures:
      many?.vsBaseline === undefined
        ? []
        : both(many.vsBaseline.ratio, many.vsBaseline.cpuRatio, (v) => v <= 1.2),
  });

  const glue = [cpuAdded('naive-glue'), wallAdded('naive-glue')];
  const ours = [cpuAdded('full-pipeline'), wallAdded('full-pipeline')];
  goals.push({
    goal: 'honest `naive-glue` (rate-limiter-flexible, p-retry, opossum, lru-cache, pino, prom-client, OTel) ÷ `full-pipeline`, added per call',
    target: '≥ 3×',
    unit: '×',
    measures:
      glue.includes(undefined) || ours.includes(undefined)
        ? []
        : both(
            round((glue[1] as number) / (ours[1] as number), 2),
            round((glue[0] as number) / (ours[0] as number), 2),
            (v) => v >= 3,
          ),
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
