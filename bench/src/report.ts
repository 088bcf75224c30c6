/** Renders results.json as RESULTS.md: the goals across Node versions, then every case per Node version. */
import type { GoalResult } from './goals.js';
import type { CaseResult, RunResult } from './run.js';

/** Nanoseconds, in the unit a reader takes in at a glance. */
export function fmt(ns: number): string {
  const abs = Math.abs(ns);
  return abs >= 100_000
    ? `${(ns / 1000).toFixed(0)} µs`
    : abs >= 1000
      ? `${(ns / 1000).toFixed(2)} µs`
      : `${ns.toFixed(0)} ns`;
}

const GROUPS: readonly CaseResult['group'][] = [
  'baseline',
  'pipeline',
  'middleware',
  'round-trip',
  'throughput',
  'scale',
];

function goalCell(goal: GoalResult | undefined, basis: 'wall' | 'cpu' | 'memory'): string {
  const m = goal?.measures.find((x) => x.basis === basis);
  if (m === undefined) return basis === 'memory' ? '' : '—';
  const value =
    goal?.unit === 'ns' ? fmt(m.value) : `${m.value}${goal?.unit === '×' ? '×' : ` ${goal?.unit}`}`;
  return `${value} ${m.met ? '✅' : '❌'}`;
}

function goalsTable(stored: Record<string, RunResult>): string[] {
  const keys = Object.keys(stored).sort();
  const lines = [
    '## Goals',
    '',
    'The goals of issue 17. Each is checked on wall clock and on CPU time (✅ met, ❌ missed, — not measured',
    'in that run); CPU time is the figure the goals are held to on this shared machine. Where the target',
    'differs by Node version, the targets are listed in the order of the columns.',
    '',
    `| goal | target | ${keys.map((k) => `${k} wall | ${k} CPU`).join(' | ')} |`,
    `|---|---|${keys.map(() => '---|---').join('|')}|`,
  ];
  const first = stored[keys[0] as string] as RunResult;
  first.goals.forEach((goal, i) => {
    const cells = keys.map((k) => {
      const g = stored[k]?.goals[i];
      const memory = goalCell(g, 'memory');
      return memory === '' ? `${goalCell(g, 'wall')} | ${goalCell(g, 'cpu')}` : `${memory} | ${memory}`;
    });
    const targets = [...new Set(keys.map((k) => stored[k]?.goals[i]?.target ?? goal.target))];
    const target = targets.join(' / ');
    lines.push(`| ${goal.goal} | ${target} | ${cells.join(' | ')} |`);
  });
  lines.push('');
  return lines;
}

function caseRow(c: CaseResult): string {
  const added = c.name === 'raw' ? '—' : `${fmt(c.addedNs)} / ${fmt(c.cpuAddedNs)}`;
  const base =
    c.vsBaseline === undefined
      ? ''
      : `${c.vsBaseline.ratio}× / ${c.vsBaseline.cpuRatio}× \`${c.vsBaseline.name}\` (+${fmt(c.vsBaseline.cpuAddedNs)} CPU)`;
  return `| ${c.name} | ${fmt(c.nsPerOp)} | ${fmt(c.cpuNsPerOp)} | ${added} | ${c.cpuRatioToRaw}× | ${base} | ${c.description} |`;
}

/** The whole RESULTS.md; `findings` (bench/FINDINGS.md, written by hand) is appended as it is. */
export function renderMarkdown(stored: Record<string, RunResult>, findings: string): string {
  const lines = [
    '# Benchmark results',
    '',
    'Written by `pnpm bench` (bench/src/run.ts) from `results.json`; do not edit by hand (the findings at the',
    'end come from `bench/FINDINGS.md`). Every case runs in interleaved rounds beside a batch of the raw',
    'handler in the same process; each figure is the median over the rounds. Two clocks: **wall** (elapsed',
    'time) and **CPU** (`process.cpuUsage()`, user + system of the whole process, per call). The machine is',
    'shared (see the load average of each run): when the load is above the core count, wall clock includes',
    'time spent waiting for a core; CPU time does not and is the steadier figure. "added" is the median of the',
    'per-round differences to `raw`; "vs baseline" compares a wrapped case with its bare twin timed beside it',
    'in the same rounds (wall ratio / CPU ratio; the median over pairs of rounds run in both orders). The SDK',
    'round trips and the 1000-in-flight throughput are',
    'the exception: each runs alone in fresh processes, alternating bare and wrapped over several',
    "repetitions, so one's garbage collections never land in the other's timing; their figures are medians",
    'over the processes and their ratio the median of the per-repetition ratios. See bench/README.md for',
    'what each case measures.',
    '',
    ...goalsTable(stored),
  ];
  for (const [key, r] of Object.entries(stored).sort()) {
    lines.push(
      `## ${key} — Node ${r.node}`,
      '',
      `${r.machine}; ${r.date.slice(0, 16).replace('T', ' ')} UTC; ${r.rounds} rounds; load average ${r.load[0]} at the start, ${r.load[1]} at the end.`,
      '',
      '| case | wall per call | CPU per call | added vs raw (wall / CPU) | CPU ×raw | vs baseline (wall / CPU) | what it measures |',
      '|---|---|---|---|---|---|---|',
    );
    for (const group of GROUPS) {
      const rows = r.cases.filter((c) => c.group === group);
      if (rows.length === 0) continue;
      lines.push(`| **${group}** | | | | | | |`);
      for (const c of rows) lines.push(caseRow(c));
    }
    lines.push('');
    if (r.probes.length > 0) {
      lines.push('| probe (fresh process each) | measured | what it measures |', '|---|---|---|');
      for (const p of r.probes) {
        const values = Object.entries(p.values)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        lines.push(`| ${p.name} | ${values} | ${p.description} |`);
      }
      lines.push('');
    }
  }
  if (findings.trim() !== '') lines.push(findings.trim(), '');
  return `${lines.join('\n')}\n`;
}
