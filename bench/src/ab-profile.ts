/**
 * Splits a CPU profile of an A/B run (`node --cpu-prof … src/ab.ts --filter <case>`) by build: self time
 * per function for the old and the new checkout (a function's file path says which build it came from;
 * each build's dependencies live inside its own checkout), side by side, largest difference first.
 * Both builds ran the same calls in that process, so their totals compare directly.
 *
 *   node --import tsx src/ab-profile.ts <file.cpuprofile> <old root> <new root> [--top 25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time in ms per function of each build, keyed by `function (file)` relative to the build's root. */
export interface SplitProfile {
  old: Map<string, number>;
  new: Map<string, number>;
  /** Self time in frames of neither build (the collector, Node's internals, the bench's own code). */
  shared: Map<string, number>;
}

function keyOf(frame: ProfileNode['callFrame'], root: string): string {
  const file = fileURLToPath(frame.url).slice(root.length + 1);
  const where = file.replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
  // No line number: the same function sits on different lines in two revisions.
  return `${frame.functionName || '(anonymous)'} (${where})`;
}

const add = (map: Map<string, number>, key: string, ms: number): void => {
  map.set(key, (map.get(key) ?? 0) + ms);
};

export function splitProfile(profile: Profile, oldRoot: string, newRoot: string): SplitProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const split: SplitProfile = { old: new Map(), new: new Map(), shared: new Map() };
  const oldUrl = `file://${oldRoot}/`;
  const newUrl = `file://${newRoot}/`;
  profile.samples.forEach((id, i) => {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (frame.url.startsWith(oldUrl)) add(split.old, keyOf(frame, oldRoot), ms);
    else if (frame.url.startsWith(newUrl)) add(split.new, keyOf(frame, newRoot), ms);
    else add(split.shared, `${frame.functionName || '(anonymous)'} ${frame.url}`, ms);
  });
  return split;
}

const total = (map: Map<string, number>): number => [...map.values()].reduce((a, b) => a + b, 0);

function report(split: SplitProfile, top: number): string {
  const keys = new Set([...split.old.keys(), ...split.new.keys()]);
  const rows = [...keys]
    .map((key) => ({ key, old: split.old.get(key) ?? 0, new: split.new.get(key) ?? 0 }))
    .sort((a, b) => Math.abs(b.new - b.old) - Math.abs(a.new - a.old))
    .slice(0, top)
    .map((r) => `| ${r.key} | ${r.old.toFixed(1)} | ${r.new.toFixed(1)} | ${(r.new - r.old).toFixed(1)} |`);
  const shared = [...split.shared.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([key, ms]) => `| ${key} | ${ms.toFixed(1)} |`);
  return [
    `self time, ms: old ${total(split.old).toFixed(1)}, new ${total(split.new).toFixed(1)}, ` +
      `neither ${total(split.shared).toFixed(1)}`,
    '',
    '| function (file) | old ms | new ms | new − old |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    '| in neither build | ms |',
    '| --- | ---: |',
    ...shared,
  ].join('\n');
}

const [file, oldRoot, newRoot] = process.argv.slice(2);
if (file !== undefined && oldRoot !== undefined && newRoot !== undefined) {
  const top = process.argv.includes('--top') ? Number(process.argv[process.argv.indexOf('--top') + 1]) : 25;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  process.stdout.write(`${report(splitProfile(profile, oldRoot, newRoot), top)}\n`);
}
