/**
 * The cost rows of the package READMEs, generated from results.json: each README's cost section holds a
 * marked block this rewrites (`--write`) or compares (`--check`, exit 1 when a README is stale). The
 * numbers live in results.json only; prose in the READMEs says what the rows mean, not what they are.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { fmt } from './report.js';
import type { CaseResult, RunResult } from './run.js';

export const START =
  '<!-- bench:costs (generated from bench/results.json by `pnpm --filter @mcp-middleware/bench readme`; do not edit) -->';
export const END = '<!-- /bench:costs -->';

/** The bench cases each package's README quotes, in order. */
export const README_CASES: Readonly<Record<string, readonly string[]>> = {
  auth: ['auth-authinfo', 'auth-authinfo-scopes', 'auth-jwt-cached', 'auth-jwt-uncached', 'auth-api-key'],
  cache: [
    'cache-hit',
    'cache-hit-principal',
    'cache-miss',
    'cache-hit-10-keys',
    'cache-hit-10k-keys',
    'cache-hit-1M-keys',
  ],
  'circuit-breaker': [
    'circuit-breaker',
    'circuit-breaker-opossum-defaults',
    'tools-1-full-pipeline',
    'tools-10000-full-pipeline',
  ],
  cli: ['gateway-direct-stdio', 'gateway-in-process-stdio', 'gateway-cli-stdio'],
  logging: ['logging (info, success)', 'logging (debug, line per call)'],
  metrics: ['metrics'],
  ratelimit: [
    'ratelimit-memory',
    'ratelimit-memory-client',
    'concurrency-limit',
    'ratelimit-memory-10-keys',
    'ratelimit-memory-1000000-keys',
    'ratelimit-flexible-memory-10-keys',
    'ratelimit-flexible-memory-1000000-keys',
    'ratelimit-redis',
  ],
  retry: ['retry', 'retry-p-retry-defaults', 'retry-p-retry-per-call', 'resilience-stack'],
  timeout: ['timeout', 'timeout-abortsignal-any', 'resilience-stack'],
  tracing: ['tracing (no SDK)', 'tracing (SDK, batch processor)'],
  validation: [
    'validation-guards',
    'validation-json-schema',
    'validation-zod',
    'validation-rule',
    'validation-result-cap',
  ],
};

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** The marked block for `pkg`: one row per case, CPU time added per call over `raw`, per Node version. */
export function renderBlock(pkg: string, stored: Record<string, RunResult>): string {
  const keys = Object.keys(stored).sort();
  const lines = [
    START,
    '',
    `CPU time per call added over the raw handler (median of interleaved rounds, the case timed beside it), from the last full \`pnpm bench\` on each Node version (${keys
      .map((k) => `${k}: ${stored[k]?.date.slice(0, 10)}`)
      .join(
        ', ',
      )}); \`bench/RESULTS.md\` has wall clock, ratios and load, \`bench/FINDINGS.md\` where the time goes.`,
    '',
    `| case | ${keys.map((k) => `${k} CPU added`).join(' | ')} | what it measures |`,
    `|---|${keys.map(() => '---').join('|')}|---|`,
  ];
  for (const name of README_CASES[pkg] ?? []) {
    const found = keys.map((k) => stored[k]?.cases.find((c: CaseResult) => c.name === name));
    const description = found.find((c) => c !== undefined)?.description ?? 'not measured';
    const cells = found.map((c) => (c === undefined ? '—' : fmt(c.cpuAddedNs)));
    lines.push(`| \`${name}\` | ${cells.join(' | ')} | ${description.replace(/\|/g, '\\|')} |`);
  }
  lines.push('', END);
  return lines.join('\n');
}

/** The block as prettier lays it out in that README (so `prettier --check` and `--check` agree). */
export async function formattedBlock(pkg: string, stored: Record<string, RunResult>): Promise<string> {
  const file = readmePath(pkg);
  const config = (await resolveConfig(file)) ?? {};
  return (await format(renderBlock(pkg, stored), { ...config, filepath: file })).trimEnd();
}

/** `text` with its marked block replaced by `block`; undefined when it has no block. */
export function replaceBlock(text: string, block: string): string | undefined {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return text.slice(0, start) + block + text.slice(end + END.length);
}

export function readmePath(pkg: string): string {
  return join(root, 'packages', pkg, 'README.md');
}

export function loadResults(): Record<string, RunResult> {
  return JSON.parse(readFileSync(join(here, '..', 'results.json'), 'utf8')) as Record<string, RunResult>;
}

/** The READMEs whose block differs from what results.json gives (or that have none). */
export async function staleReadmes(stored = loadResults()): Promise<string[]> {
  const stale: string[] = [];
  for (const pkg of Object.keys(README_CASES)) {
    const file = readmePath(pkg);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (replaceBlock(text, await formattedBlock(pkg, stored)) !== text) stale.push(pkg);
  }
  return stale;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stored = loadResults();
  if (process.argv.includes('--check')) {
    const stale = await staleReadmes(stored);
    if (stale.length > 0) {
      process.stderr.write(
        `README cost rows out of date (run pnpm --filter @mcp-middleware/bench readme): ${stale.join(', ')}\n`,
      );
      process.exit(1);
    }
  } else {
    for (const pkg of Object.keys(README_CASES)) {
      const file = readmePath(pkg);
      const text = readFileSync(file, 'utf8');
      const next = replaceBlock(text, await formattedBlock(pkg, stored));
      if (next === undefined) process.stderr.write(`${pkg}: no marked cost block in README.md\n`);
      else if (next !== text) writeFileSync(file, next);
    }
  }
}
