// Reloading the spawned gateway's config: SIGHUP and --watch put a new pipeline in service, a broken file
// keeps the running one (one stderr line naming the file and the field), calls in flight finish on theirs.
import { writeFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { errorCode, startBlock, text } from './fixtures/upstream-helpers.js';
import { hangUp } from './fixtures/gateway-spawn.js';
import { ReloadedGateway, configFolder } from './fixtures/spawned-reloads.js';

const configs = configFolder('gateway-reload-');
afterAll(() => configs.remove());

const spawned = new ReloadedGateway();
afterEach(() => spawned.stop());

const PASS_THROUGH = 'pipeline:\n  - timeout: { timeoutMs: 600000 }\n';
const ONE_CALL = 'pipeline:\n  - rateLimit: { limit: 1, windowMs: 600000 }\n';
const SHORT_DEADLINE = 'pipeline:\n  - timeout: { timeoutMs: 300 }\n';
const BROKEN = "pipeline:\n  - rateLimit: { limit: 'lots', windowMs: 600000 }\n";

const echo = (client: Client): Promise<unknown> =>
  client.callTool({ name: 'echo', arguments: { text: 'hi' } });

describe('mcp-middleware proxy --config, reloaded', { timeout: 90_000 }, () => {
  it('takes the new pipeline on SIGHUP, and keeps it when the next file is broken, saying why on one line', async () => {
    const file = configs.write('sighup.yaml', PASS_THROUGH);
    const { gateway, client } = await spawned.overStdio(file);
    expect(text(await echo(client))).toBe('hi');
    expect(text(await echo(client))).toBe('hi');

    writeFileSync(file, ONE_CALL);
    expect(await hangUp(gateway)).toContain(`reloaded ${file} (SIGHUP): 1 middleware; new calls take it`);
    expect(text(await echo(client))).toBe('hi');
    expect(errorCode(await echo(client))).toBe('RATE_LIMITED');

    writeFileSync(file, BROKEN);
    const said = await hangUp(gateway);
    const refusal = said.split('\n').filter((line) => line.includes('refused'));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(
      new RegExp(
        `^mcp-middleware: reload of ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(SIGHUP\\) refused, the running pipeline stays: pipeline\\[0\\]\\.rateLimit\\.limit: .*"lots"`,
      ),
    );
    // Still the same pipeline, with the bucket it had: a new one would let one call through.
    expect(errorCode(await echo(client))).toBe('RATE_LIMITED');
    expect(gateway.child.exitCode).toBeNull();
  });

  it('lets a call in flight finish on the pipeline it started with', async () => {
    const file = configs.write('inflight.yaml', PASS_THROUGH);
    const { gateway, client } = await spawned.overStdio(file);
    const before = startBlock(client);
    const upstreamPid = await before.pid;

    writeFileSync(file, SHORT_DEADLINE);
    expect(await hangUp(gateway)).toContain('reloaded');
    // A call started now gets the new 300 ms deadline …
    expect(errorCode(await startBlock(client).result)).toBe('TIMEOUT');
    // … and the one started before still waits, with no deadline, until the upstream lets it go.
    process.kill(upstreamPid, 'SIGUSR2');
    expect(text(await before.result)).toBe('released');
  });

  it('with --watch, reloads when the file changes, refuses a broken edit, and /readyz stays true', async () => {
    const file = configs.write('watched.yaml', PASS_THROUGH);
    const { gateway, url } = await spawned.overHttp(file, { flags: ['--watch'] });
    const client = new Client({ name: 'reload-test', version: '1.0.0' });
    spawned.closeWith(client);
    await client.connect(new StreamableHTTPClientTransport(url));
    expect(text(await echo(client))).toBe('hi');

    let from = gateway.stderr().length;
    writeFileSync(file, ONE_CALL);
    await gateway.said(`reloaded ${file} (the file changed)`, from);
    expect(text(await echo(client))).toBe('hi');
    expect(errorCode(await echo(client))).toBe('RATE_LIMITED');

    from = gateway.stderr().length;
    writeFileSync(file, BROKEN);
    await gateway.said(
      /reload of .* \(the file changed\) refused, the running pipeline stays: pipeline\[0\]/,
      from,
    );
    const ready = await fetch(new URL('/readyz', url));
    expect(ready.status).toBe(200);
    expect(errorCode(await echo(client))).toBe('RATE_LIMITED');
  });
});
