/**
 * One side of an A/B: a revision's packages built in a directory of their own under the system's temp
 * directory (`git archive` of the revision, an offline pnpm install from the store, the layer packages
 * built), then loaded into this process by absolute path to their dist/, so two builds run side by side.
 */
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { createToolRunner } from '@mcp-middleware/core';
import type { LayerFactories } from './layers.js';

/** Where built revisions are kept between runs (one directory per commit), so a second Node reuses them. */
export const AB_ROOT = join(tmpdir(), 'mcp-ab');

// Written last: a directory without it is a build that did not finish, and is made again.
const DONE_MARK = '.ab-built';

/** Each loaded package and the names taken from it. */
const WANTED = {
  '@mcp-middleware/core': ['createToolRunner'],
  '@mcp-middleware/tracing': ['tracing'],
  '@mcp-middleware/metrics': ['metrics'],
  '@mcp-middleware/logging': ['logging'],
  '@mcp-middleware/auth': ['auth'],
  '@mcp-middleware/ratelimit': ['rateLimit'],
  '@mcp-middleware/validation': ['validation'],
  '@mcp-middleware/cache': ['cache'],
  '@mcp-middleware/retry': ['retry'],
  '@mcp-middleware/circuit-breaker': ['circuitBreaker'],
  '@mcp-middleware/timeout': ['timeout'],
} as const;

/** One build's runner and layer factories. */
export interface Kit {
  /** `old` or `new`, with the commit or directory it came from. */
  readonly label: string;
  /** The checkout the build lives in; its files are what a profile names. */
  readonly root: string;
  readonly createToolRunner: typeof createToolRunner;
  readonly layers: LayerFactories;
}

const log = (message: string): void => {
  process.stderr.write(`[ab] ${message}\n`);
};

/** The full commit a revision names, from the repository this script runs in. */
export function commitOf(repo: string, revision: string): string {
  return execFileSync('git', ['-C', repo, 'rev-parse', '--verify', `${revision}^{commit}`], {
    encoding: 'utf8',
  }).trim();
}

/**
 * A built checkout for `spec`: a directory that already holds built packages is used as it is (the
 * workspace itself, say); anything else is a git revision, exported and built under {@link AB_ROOT} once.
 */
export function prepare(repo: string, spec: string): { root: string; name: string } {
  if (existsSync(join(spec, 'packages', 'core', 'package.json'))) {
    const root = resolve(spec);
    return { root, name: root };
  }
  const commit = commitOf(repo, spec);
  const root = join(AB_ROOT, commit.slice(0, 12));
  const name = commit.slice(0, 7);
  if (existsSync(join(root, DONE_MARK))) return { root, name };
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  log(`exporting ${name} to ${root}`);
  // `commit` is 40 hex digits from rev-parse and `root` is ours: nothing in the pipeline comes from input.
  execSync(`git -C '${repo}' archive ${commit} | tar -x -C '${root}'`, { stdio: 'inherit' });
  install(root);
  log(`building the layer packages of ${name}`);
  const filters = packageDirs(root).flatMap(([, dir]) => ['--filter', `./packages/${dir}`]);
  execFileSync('pnpm', [...filters, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(join(root, DONE_MARK), `${commit}\n`);
  return { root, name };
}

function install(root: string): void {
  const run = (extra: string[]): void => {
    execFileSync('pnpm', ['install', '--frozen-lockfile', ...extra], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  };
  try {
    run(['--offline']);
  } catch {
    // The store lacks a package the old lockfile names: fetch it, as `pnpm install` would.
    log('offline install failed; installing from the registry');
    run([]);
  }
}

/** The directory under packages/ of every package {@link WANTED} names, read from their package.json. */
function packageDirs(root: string): [string, string][] {
  const byName = new Map<string, string>();
  for (const dir of readdirSync(join(root, 'packages'))) {
    const file = join(root, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const { name } = JSON.parse(readFileSync(file, 'utf8')) as { name: string };
    byName.set(name, dir);
  }
  return Object.keys(WANTED).map((name) => {
    const dir = byName.get(name);
    if (dir === undefined) throw new Error(`${root}: no package ${name}`);
    return [name, dir];
  });
}

/** The file a package's root export runs, without the workspace's source condition: its dist/. */
function entryOf(root: string, dir: string): string {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    exports?: Record<string, { default?: string; import?: string }>;
    main?: string;
  };
  const dot = pkg.exports?.['.'];
  const file = dot?.default ?? dot?.import ?? pkg.main;
  if (file === undefined) throw new Error(`${pkgDir}: no root export`);
  const entry = join(pkgDir, file);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build ${dir} first`);
  return entry;
}

/** Imports one build's packages by absolute path; each resolves its own dependencies inside its checkout. */
export async function loadKit(label: string, root: string): Promise<Kit> {
  const names: Record<string, unknown> = {};
  for (const [name, dir] of packageDirs(root)) {
    const mod = (await import(pathToFileURL(entryOf(root, dir)).href)) as Record<string, unknown>;
    for (const wanted of WANTED[name as keyof typeof WANTED]) {
      if (typeof mod[wanted] !== 'function') throw new Error(`${name} in ${root} exports no ${wanted}`);
      names[wanted] = mod[wanted];
    }
  }
  const { createToolRunner: runnerFactory, ...layers } = names;
  return {
    label,
    root,
    createToolRunner: runnerFactory as typeof createToolRunner,
    layers: layers as unknown as LayerFactories,
  };
}

/** Removes the built revisions this tool keeps under {@link AB_ROOT}. */
export function cleanBuilds(roots: readonly string[]): void {
  for (const root of roots) {
    if (root.startsWith(AB_ROOT)) rmSync(root, { recursive: true, force: true });
  }
}
