#!/usr/bin/env node
/* global process, console, performance, URL */
// Packs every package as npm would publish it and installs each one alone (with the tarballs of the
// workspace packages it depends on, and only the peers it declares) into a clean npm project outside the
// workspace. There a smoke program runs under plain node as ESM and as CommonJS (require(esm)), and
// type-checks with tsc --strict under module node16 and bundler. The cli's tarball then runs `proxy` in
// front of a real registry server (@modelcontextprotocol/server-memory) and a real SDK Client lists its
// tools. Prints "pack-test: N passed, N failed"; with PACK_TEST_JSON=<file> also writes the counts in the
// vitest JSON shape .ci/summarize.mjs sums. Everything happens under one temp dir, removed at the end.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const NODE_TYPES = join(ROOT, 'node_modules/@types');
const SERVER = '@modelcontextprotocol/server-memory@2026.8.31';
const only = process.argv.slice(2);

const results = [];
const started = performance.now();
function check(name, fn) {
  const at = performance.now();
  try {
    fn();
    results.push({ name, ok: true });
    console.log(`  ok    ${name} (${((performance.now() - at) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(
      `  FAIL  ${name}\n${String(error?.stderr ?? '')}${String(error?.stdout ?? '')}${error?.message ?? error}`
        .trimEnd()
        .replace(/\n/g, '\n        '),
    );
  }
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const work = mkdtempSync(join(tmpdir(), 'mcp-middleware-pack-'));
// Stopped by a signal, still leave nothing behind.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);

try {
  const dirs = readdirSync(join(ROOT, 'packages')).filter((dir) =>
    existsSync(join(ROOT, 'packages', dir, 'package.json')),
  );
  const manifests = new Map(
    dirs.map((dir) => [dir, JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'))]),
  );
  const byName = new Map([...manifests].map(([dir, pkg]) => [pkg.name, dir]));

  console.log('== build');
  check('every package builds (tsc -b)', () =>
    run('pnpm', ['-r', '--filter', './packages/*', 'build'], { cwd: ROOT }),
  );

  console.log('== pack');
  const packed = new Map();
  const packing = [...dirs];
  const packOne = async (dir) => {
    const at = performance.now();
    try {
      const { stdout } = await promisify(execFile)('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: join(ROOT, 'packages', dir),
        encoding: 'utf8',
      });
      const file = stdout
        .trim()
        .split('\n')
        .filter((line) => line.endsWith('.tgz'))
        .at(-1);
      if (file === undefined) throw new Error(`no tarball named in: ${stdout}`);
      packed.set(dir, resolve(tarballs, file));
      return { seconds: (performance.now() - at) / 1000 };
    } catch (error) {
      return { error };
    }
  };
  const packs = new Map();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let dir = packing.shift(); dir !== undefined; dir = packing.shift())
        packs.set(dir, await packOne(dir));
    }),
  );
  for (const dir of dirs) {
    const outcome = packs.get(dir);
    check(`${manifests.get(dir).name}: pnpm pack, ${outcome.seconds?.toFixed(1) ?? '-'} s`, () => {
      if (outcome.error !== undefined) throw outcome.error;
    });
  }

  console.log('== contents');
  for (const [dir, tarball] of packed) {
    const name = manifests.get(dir).name;
    const into = join(work, 'extract', dir);
    mkdirSync(into, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', into]);
    const pkgDir = join(into, 'package');
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    const files = run('tar', ['-tzf', tarball]).trim().split('\n');
    check(`${name}: no dev-only export condition, no workspace: ranges`, () => {
      const text = JSON.stringify(pkg);
      assert(!text.includes('@mcp-middleware/source'), 'the published exports keep @mcp-middleware/source');
      assert(!text.includes('workspace:'), 'a workspace: range was published');
    });
    check(`${name}: LICENSE, repository, homepage and bugs`, () => {
      assert(files.includes('package/LICENSE'), 'no LICENSE in the tarball');
      assert(pkg.repository?.url && pkg.homepage && pkg.bugs?.url, 'repository, homepage or bugs missing');
    });
    check(`${name}: source maps carry their sources, nothing else from the build leaks`, () => {
      for (const file of files.filter((f) => f.endsWith('.map'))) {
        const map = JSON.parse(readFileSync(join(into, file), 'utf8'));
        assert(
          Array.isArray(map.sourcesContent) && map.sourcesContent.every((s) => typeof s === 'string'),
          `${file} has no sourcesContent`,
        );
      }
      assert(
        !files.some((f) => f.endsWith('.tsbuildinfo') || f.includes('/src/') || f.endsWith('.test.js')),
        'build or test files in the tarball',
      );
    });
  }

  // The workspace packages `dir` needs, itself included, as tarballs.
  const closure = (dir, seen = new Set()) => {
    if (seen.has(dir)) return seen;
    seen.add(dir);
    for (const dep of Object.keys(manifests.get(dir).dependencies ?? {}))
      if (byName.has(dep)) closure(byName.get(dep), seen);
    return seen;
  };

  // npm installs are the slow part (network, extraction): run a few at once, then check each project.
  const chosen = dirs.filter((d) => packed.has(d) && (only.length === 0 || only.includes(d)));
  const installs = new Map();
  const queue = [...chosen];
  const installOne = async (dir) => {
    const project = join(work, 'projects', dir);
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: `smoke-${dir}`, private: true, type: 'module' }),
    );
    const at = performance.now();
    const extra = dir === 'cli' ? [SERVER] : [];
    try {
      await promisify(execFile)(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          ...[...closure(dir)].map((d) => packed.get(d)),
          ...extra,
        ],
        { cwd: project, encoding: 'utf8' },
      );
      installs.set(dir, { seconds: (performance.now() - at) / 1000 });
    } catch (error) {
      installs.set(dir, { error });
    }
  };
  console.log(`== npm install, each package alone in a clean project (${chosen.length}, 4 at a time)`);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) await installOne(dir);
    }),
  );

  for (const dir of chosen) {
    const pkg = manifests.get(dir);
    const name = pkg.name;
    console.log(`== ${name}, alone in a clean npm project`);
    const project = join(work, 'projects', dir);
    const installed = installs.get(dir);
    check(
      `${name}: npm install of its tarball${dir === 'cli' ? ` and ${SERVER}` : ''} (peers as declared), ${installed.seconds?.toFixed(1) ?? '-'} s`,
      () => {
        if (installed.error !== undefined) throw installed.error;
      },
    );
    if (installed.error !== undefined) continue;

    const subpaths = Object.keys(
      JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')).exports,
    );
    const specifiers = subpaths.map((sub) => (sub === '.' ? name : `${name}/${sub.slice(2)}`));
    writeFileSync(
      join(project, 'smoke.mjs'),
      specifiers
        .map(
          (s, i) =>
            `import * as m${i} from '${s}';\nif (Object.keys(m${i}).length === 0) throw new Error('${s}: no exports');`,
        )
        .join('\n') + '\nconsole.log("esm ok");\n',
    );
    writeFileSync(
      join(project, 'smoke.cjs'),
      specifiers
        .map((s) => `if (Object.keys(require('${s}')).length === 0) throw new Error('${s}: no exports');`)
        .join('\n') + '\nconsole.log("cjs ok");\n',
    );
    writeFileSync(
      join(project, 'smoke.ts'),
      specifiers
        .map(
          (s, i) => `import * as m${i} from '${s}';\nexport const keys${i}: string[] = Object.keys(m${i});`,
        )
        .join('\n') + '\n',
    );
    check(`${name}: imports under plain node (ESM)`, () =>
      assert(run('node', ['smoke.mjs'], { cwd: project }).includes('esm ok'), 'no output'),
    );
    check(`${name}: require() under plain node (CommonJS, require(esm))`, () =>
      assert(run('node', ['smoke.cjs'], { cwd: project }).includes('cjs ok'), 'no output'),
    );
    for (const [module, resolution] of [
      ['node16', 'node16'],
      ['esnext', 'bundler'],
    ]) {
      // skipLibCheck: the SDK's own .d.ts files are not ours to check (and take minutes); ours resolve or
      // the smoke file's imports fail.
      check(`${name}: tsc --strict, module ${module}, moduleResolution ${resolution}`, () => {
        writeFileSync(
          join(project, `tsconfig.${resolution}.json`),
          JSON.stringify({
            compilerOptions: {
              strict: true,
              noEmit: true,
              module,
              moduleResolution: resolution,
              target: 'es2022',
              lib: ['es2023', 'dom'],
              types: ['node'],
              typeRoots: [NODE_TYPES],
              skipLibCheck: true,
            },
            files: ['smoke.ts'],
          }),
        );
        run('node', [TSC, '-p', `tsconfig.${resolution}.json`], { cwd: project });
      });
    }

    if (dir === 'cli') {
      check(`${name}: npm install ${SERVER}`, () =>
        run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', SERVER], { cwd: project }),
      );
      check(`${name}: mcp-middleware --help from node_modules/.bin`, () =>
        assert(
          run(join(project, 'node_modules/.bin/mcp-middleware'), ['--help'], { cwd: project }).includes(
            'Usage: mcp-middleware',
          ),
          'no usage',
        ),
      );
      writeFileSync(
        join(project, 'proxy.mjs'),
        `import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
const transport = new StdioClientTransport({
  command: process.execPath,
  args: ['node_modules/@mcp-middleware/cli/bin/mcp-middleware.js', 'proxy', '--', process.execPath, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js'],
  stderr: 'pipe',
});
const client = new Client({ name: 'pack-test', version: '1.0.0' });
await client.connect(transport);
const { tools } = await client.listTools();
console.log(tools.map((t) => t.name).join(' '));
await client.close();
`,
      );
      check(`${name}: proxy in front of ${SERVER}, tools listed by a real SDK Client`, () => {
        const out = run('node', ['proxy.mjs'], { cwd: project, timeout: 60_000 });
        assert(out.includes('create_entities') && out.includes('read_graph'), `tools listed: ${out}`);
      });
      const timing = spawnSync(
        'node',
        [
          '-e',
          `const {execFileSync}=require('node:child_process');const t=[];for(let i=0;i<10;i++){const s=process.hrtime.bigint();execFileSync(process.execPath,['node_modules/@mcp-middleware/cli/bin/mcp-middleware.js','--help']);t.push(Number(process.hrtime.bigint()-s)/1e6)}t.sort((a,b)=>a-b);console.log(t[5].toFixed(0))`,
        ],
        { cwd: project, encoding: 'utf8' },
      );
      console.log(`  (mcp-middleware --help, median of 10 runs: ${timing.stdout.trim()} ms; not asserted)`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(
  `pack-test: ${passed} passed, ${failed} failed (${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
if (process.env.PACK_TEST_JSON !== undefined)
  writeFileSync(
    process.env.PACK_TEST_JSON,
    JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numPendingTests: 0 }),
  );
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
