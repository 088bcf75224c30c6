// What a stdio upstream inherits from the spawned gateway: the default allow-list plus each --pass-env.
import { afterEach, describe, expect, it } from 'vitest';
import { text } from './fixtures/upstream-helpers.js';
import {
  UPSTREAM,
  connectToGateway,
  spawnGateway,
  stopGateway,
  type SpawnedGateway,
} from './fixtures/gateway-spawn.js';

let running: SpawnedGateway | undefined;
afterEach(async () => {
  if (running !== undefined) await stopGateway(running);
  running = undefined;
});

describe('mcp-middleware proxy --pass-env', { timeout: 60_000 }, () => {
  it('passes the named variables to the upstream and keeps every other secret of the gateway', async () => {
    running = spawnGateway(['proxy', '--pass-env', 'GOPS_PASSED', '-e', 'GOPS_PREFIX_*', '--', ...UPSTREAM], {
      ...process.env,
      GOPS_PASSED: 'passed',
      GOPS_PREFIX_ONE: 'one',
      GOPS_SECRET: 'gateway-only',
    });
    const client = await connectToGateway(running);
    const env = async (name: string): Promise<unknown> =>
      JSON.parse(text(await client.callTool({ name: 'env', arguments: { name } })));
    expect(await env('GOPS_PASSED')).toBe('passed');
    expect(await env('GOPS_PREFIX_ONE')).toBe('one');
    expect(await env('GOPS_SECRET')).toBeNull();
    expect(await env('PATH')).toBe(process.env['PATH']);
    expect(await stopGateway(running, client)).toBe(0);
  });

  it('without --pass-env, gives the upstream none of the gateway variables outside the default list', async () => {
    running = spawnGateway(['proxy', '--', ...UPSTREAM], { ...process.env, GOPS_PASSED: 'passed' });
    const client = await connectToGateway(running);
    const result = await client.callTool({ name: 'env', arguments: { name: 'GOPS_PASSED' } });
    expect(JSON.parse(text(result))).toBeNull();
    expect(await stopGateway(running, client)).toBe(0);
  });
});
