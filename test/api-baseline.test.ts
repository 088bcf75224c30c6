// The public-API baseline: every package's exported names and kinds match its checked-in api.txt, so a
// change to the public surface is a visible, reviewed change to that file.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('the public API baseline', () => {
  it('matches packages/*/api.txt (after a deliberate change: run pnpm api:update and commit the files)', () => {
    const run = spawnSync(process.execPath, ['scripts/api-baseline.mjs', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const report = `${run.stdout}${run.stderr}`;
    expect(report, report).toContain('every api.txt matches');
    expect(run.status, 'the public API changed; run `pnpm api:update` and commit the api.txt files').toBe(0);
  }, 180_000);
});
