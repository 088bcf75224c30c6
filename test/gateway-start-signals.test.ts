// Signals while the spawned gateway starts: its config names a middleware module that takes until the test
// says go to load, and the signals come during that load. SIGHUPs (however many) do not stop it: it comes
// up, serves, and re-reads the config once; SIGTERM stops it cleanly before the upstream is started, with a
// line saying so and no stack trace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  UPSTREAM,
  hangUp,
  spawnGateway,
  stopGateway,
  type SpawnedGateway,
} from './fixtures/gateway-spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'gateway-start-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let running: SpawnedGateway | undefined;
afterEach(async () => {
  if (running !== undefined) await stopGateway(running);
  running = undefined;
});

/** A config whose one middleware module says it is loading, then waits for the file `go` to exist. */
function slowConfig(name: string): { file: string; go: () => void } {
  const go = join(dir, `${name}.go`);
  const module = join(dir, `${name}.mjs`);
  writeFileSync(
    module,
    [
      "import { existsSync } from 'node:fs';",
      "process.stderr.write('slow module: loading\\n');",
      `await new Promise((resolve) => { const check = () => (existsSync(${JSON.stringify(go)}) ? resolve() : setTimeout(check, 10)); check(); });`,
      'export default () => async function slow(ctx, next) { return next(); };',
    ].join('\n'),
  );
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `pipeline:\n  - use: ${pathToFileURL(module).href}\n`);
  return { file, go: () => writeFileSync(go, '') };
}

function spawnSlow(name: string): { gateway: SpawnedGateway; file: string; go: () => void } {
  const { file, go } = slowConfig(name);
  const gateway = spawnGateway([
    'proxy',
    '--config',
    file,
    '--listen',
    'http://127.0.0.1:0/mcp',
    '--',
    ...UPSTREAM,
  ]);
  running = gateway;
  return { gateway, file, go };
}

describe('signals while the gateway starts', { timeout: 90_000 }, () => {
  it('comes up and serves through SIGHUPs sent while its config loads, then re-reads the config once', async () => {
    const { gateway, file, go } = spawnSlow('hangups');
    await gateway.said('slow module: loading');
    for (let i = 0; i < 20; i++) gateway.child.kill('SIGHUP');
    go();
    await gateway.said(/listening on \S+/);
    await gateway.said(`reloaded ${file} (SIGHUP): 1 middleware; new calls take it`);
    expect(gateway.stderr()).toContain(
      'SIGHUP while starting: the config is read again once the gateway is up',
    );
    const url = new URL(/listening on (\S+)/.exec(gateway.stderr())?.[1] ?? '');
    expect((await fetch(new URL('/readyz', url))).status).toBe(200);
    // One reload for all of them: the next SIGHUP is answered by the next line, as usual.
    expect(await hangUp(gateway)).toContain(`reloaded ${file} (SIGHUP): 1 middleware`);
    expect(gateway.stderr().match(/reloaded /g)).toHaveLength(2);
    expect(gateway.child.exitCode).toBeNull();
  });

  it('stops cleanly on SIGTERM while its config loads, saying so, before starting the upstream', async () => {
    const { gateway, go } = spawnSlow('term');
    await gateway.said('slow module: loading');
    gateway.child.kill('SIGTERM');
    await gateway.said('SIGTERM received while starting');
    go();
    expect(await gateway.exit).toBe(0);
    const said = gateway.stderr();
    expect(said).toContain('stopped before the upstream was started');
    expect(said).not.toContain('connected to upstream');
    expect(said).not.toMatch(/^\s+at /m);
  });
});
