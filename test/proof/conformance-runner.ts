/** Runs the official conformance CLI (0.1.13, active suite) against a URL and reads its per-check results. */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(
  new URL('../node_modules/@modelcontextprotocol/conformance/dist/index.js', import.meta.url),
);

/** One check of one scenario, as the conformance CLI recorded it. */
export interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  readonly errorMessage?: string;
}

/** The outcome of one run: checks per scenario, and the CLI's exit code and output for diagnosis. */
export interface ConformanceRun {
  readonly scenarios: ReadonlyMap<string, readonly Check[]>;
  readonly exitCode: number | null;
  readonly output: string;
}

const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;

/** Spawns `conformance server --url <url>` with the current node and collects `checks.json` per scenario. */
export async function runConformance(url: URL): Promise<ConformanceRun> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-proof-conformance-'));
  try {
    const child = spawn(process.execPath, [CLI, 'server', '--url', url.href, '-o', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const scenarios = new Map<string, Check[]>();
    for (const entry of await readdir(dir)) {
      const scenario = RESULT_DIR.exec(entry)?.[1];
      if (scenario === undefined) continue;
      const checks = JSON.parse(await readFile(join(dir, entry, 'checks.json'), 'utf8')) as Check[];
      scenarios.set(scenario, checks);
    }
    return { scenarios, exitCode, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Per scenario: "pass" when it has checks and none failed, else the failed checks' messages. */
export function verdicts(run: ConformanceRun): Map<string, string> {
  const out = new Map<string, string>();
  for (const [scenario, checks] of [...run.scenarios].sort(([a], [b]) => a.localeCompare(b))) {
    const failed = checks.filter((c) => c.status === 'FAILURE');
    const decided = checks.filter((c) => c.status === 'SUCCESS' || c.status === 'FAILURE');
    out.set(
      scenario,
      decided.length > 0 && failed.length === 0
        ? 'pass'
        : `fail: ${failed.map((c) => `${c.id}: ${c.errorMessage ?? ''}`).join('; ') || 'no decided checks'}`,
    );
  }
  return out;
}

/** Checks that passed in a run. */
export function passedChecks(run: ConformanceRun): number {
  let n = 0;
  for (const checks of run.scenarios.values()) n += checks.filter((c) => c.status === 'SUCCESS').length;
  return n;
}
