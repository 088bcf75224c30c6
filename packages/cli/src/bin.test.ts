// The command in a clone and the packages as published: what `pnpm install` links, what `pnpm build`
// compiles, what `pnpm pack` writes. Checked over every package, so a new one inherits the rules.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;
const DIRS = readdirSync(join(ROOT, 'packages')).filter((dir) =>
  existsSync(join(ROOT, 'packages', dir, 'package.json')),
);
const NAMES = new Map(DIRS.map((dir) => [read(`packages/${dir}/package.json`).name as string, dir]));

type Exports = Record<string, Record<string, string>>;

describe('the mcp-middleware command in a clone', () => {
  it('links a bin that exists before any build, so pnpm install warns of nothing', () => {
    const { bin } = read('packages/cli/package.json') as { bin: Record<string, string> };
    expect(Object.values(bin).every((path) => existsSync(join(ROOT, 'packages/cli', path)))).toBe(true);
    expect(Object.values(bin).some((path) => path.includes('dist/'))).toBe(false);
  });

  it('says how to run from source when the copy is not built, instead of a stack', () => {
    const copy = mkdtempSync(join(tmpdir(), 'cli-unbuilt-'));
    cpSync(join(ROOT, 'packages/cli/bin'), join(copy, 'bin'), { recursive: true });
    let stderr = '';
    try {
      execFileSync(process.execPath, [join(copy, 'bin/mcp-middleware.js'), '--help'], { stdio: 'pipe' });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('pnpm mcp-middleware');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('has a root script that runs the command from source', { timeout: 120_000 }, () => {
    const { scripts } = read('package.json') as { scripts: Record<string, string> };
    const [node, ...args] = (scripts['mcp-middleware'] as string).split(' ');
    expect(node).toBe('node');
    const out = execFileSync(process.execPath, [...args, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toContain('Usage: mcp-middleware <command>');
  });
});

describe.each(DIRS)('packages/%s as built and published', (dir) => {
  const pkg = read(`packages/${dir}/package.json`) as Record<string, unknown> & {
    exports: Exports;
    publishConfig?: { exports?: Exports };
    dependencies?: Record<string, string>;
  };
  const build = read(`packages/${dir}/tsconfig.build.json`) as {
    compilerOptions: Record<string, unknown>;
    references?: { path: string }[];
  };

  it('builds with tsc -b, referencing exactly the workspace packages it depends on, emitting nothing on error', () => {
    expect((pkg.scripts as Record<string, string>).build).toBe('tsc -b tsconfig.build.json');
    expect(build.compilerOptions).toMatchObject({ composite: true, noEmitOnError: true });
    const deps = Object.keys(pkg.dependencies ?? {}).filter((name) => NAMES.has(name));
    expect((build.references ?? []).map((r) => r.path).sort()).toEqual(
      deps.map((name) => `../${NAMES.get(name)}/tsconfig.build.json`).sort(),
    );
  });

  it('serves import and require() alike, and publishes its exports without the source condition', () => {
    const published: Exports = {};
    for (const [sub, target] of Object.entries(pkg.exports)) {
      expect(Object.keys(target)).toEqual(['@mcp-middleware/source', 'types', 'default']);
      const { ['@mcp-middleware/source']: _source, ...rest } = target;
      published[sub] = rest;
    }
    expect(pkg.publishConfig?.exports).toEqual(published);
  });

  it('ships a LICENSE and names its repository, homepage and bug tracker', () => {
    expect(readFileSync(join(ROOT, 'packages', dir, 'LICENSE'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
    );
    expect(pkg.files).toContain('LICENSE');
    expect(pkg).toMatchObject({
      repository: {
        url: 'git+https://github.com/mcp-middleware/mcp-middleware.git',
        directory: `packages/${dir}`,
      },
      homepage: expect.stringContaining('https://github.com/mcp-middleware/mcp-middleware') as unknown,
      bugs: { url: 'https://github.com/mcp-middleware/mcp-middleware/issues' },
    });
  });
});
