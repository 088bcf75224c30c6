/**
 * Profiles one gateway stdio case in this process: warms it up, then records a CPU profile of `--calls`
 * calls with the inspector and splits its self time by owner (the SDK, our packages, Node, the collector).
 *
 *   node --import tsx src/gateway-profile.ts [--case gateway-in-process-stdio] [--calls 20000] [--out f]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cases } from './cases/gateway.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const argv = process.argv.slice(2);
const option = (name: string, fallback: string): string =>
  argv.includes(name) ? (argv[argv.indexOf(name) + 1] as string) : fallback;
const name = option('--case', 'gateway-in-process-stdio');
const calls = Number(option('--calls', '20000'));

/** Which part of the install a frame belongs to. */
function ownerOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node';
  if (url.includes('@modelcontextprotocol')) return 'sdk';
  if (url.includes('/zod/') || url.includes('zod@')) return 'zod';
  if (url.includes('/packages/cli/')) return 'ours: cli';
  if (url.includes('/packages/') || url.includes('@mcp-middleware')) return 'ours: packages';
  return url.includes('node_modules') ? 'other deps' : 'bench';
}

const wanted = cases.find((c) => c.name === name);
if (wanted === undefined) throw new Error(`no case ${name}`);
const op = await wanted.setup();
for (let i = 0; i < 5000; i++) await op.run();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const cpu0 = process.cpuUsage();
for (let i = 0; i < calls; i++) await op.run();
const cpu = process.cpuUsage(cpu0);
const { profile } = (await session.post('Profiler.stop')) as {
  profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
};
await op.teardown?.();
const out = argv.includes('--out') ? option('--out', '') : undefined;
if (out !== undefined) writeFileSync(out, JSON.stringify(profile));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const owners = new Map<string, number>();
const functions = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const frame = (byId.get(id) as ProfileNode).callFrame;
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  total += ms;
  const owner = ownerOf(frame.url, frame.functionName);
  owners.set(owner, (owners.get(owner) ?? 0) + ms);
  const key = `${owner} | ${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|packages)\//, '')}:${frame.lineNumber}`;
  functions.set(key, (functions.get(key) ?? 0) + ms);
});
const pct = (ms: number): string =>
  `${((100 * ms) / total).toFixed(1)} % ${((1000 * ms) / calls).toFixed(2)} µs`;
const lines = [
  `${name}: ${calls} calls, CPU ${(((cpu.user + cpu.system) / calls) | 0).toString()} µs per call`,
  ...[...owners].sort((a, b) => b[1] - a[1]).map(([o, ms]) => `  ${o}: ${pct(ms)}`),
  'top functions (self):',
  ...[...functions]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(option('--top', '40')))
    .map(([k, ms]) => `  ${pct(ms)}  ${k}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
