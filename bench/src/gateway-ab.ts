/**
 * A/B of two builds of the gateway in one process: each build's `createGateway` (its dist/index.js) serves
 * the in-process stdio case (SDK Client → in-memory → gateway, empty pipeline → stdio → the fixture
 * upstream, each build with an upstream of its own), timed in alternating blocks of process CPU time as
 * `pnpm ab` times the layers (ab-measure.ts). The upstreams' CPU is their own processes', so the figure is
 * the client's and the gateway's. Pass the same build twice for an A/A run, the check on the tool.
 *
 *   node --expose-gc --import tsx src/gateway-ab.ts --old <cli dist dir> --new <cli dist dir>
 *     [--rounds 21] [--block-ms 100] [--warm-up-ms 1000]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { measure } from './ab-measure.js';
import type { BenchOp } from './harness.js';

type CreateGateway = typeof import('../../packages/cli/src/index.js').createGateway;

const argv = process.argv.slice(2);
const option = (name: string, fallback?: string): string => {
  const value = argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const ROOT = resolve(import.meta.dirname, '..', '..');
const UPSTREAM = { command: process.execPath, args: ['--import', 'tsx', 'test/fixtures/upstream-server.ts'] };
const PARAMS = { name: 'echo', arguments: { text: 'hello' } };

/** The in-process case on the build in `dist`. */
async function inProcess(dist: string): Promise<BenchOp> {
  const url = pathToFileURL(resolve(dist, 'index.js')).href;
  const { createGateway } = (await import(url)) as { createGateway: CreateGateway };
  const gateway = await createGateway({
    upstream: { ...UPSTREAM, cwd: ROOT, stderr: 'ignore' },
    runner: { debug: false },
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await gateway.connect(serverSide);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientSide);
  const first = await client.callTool(PARAMS);
  if (first.isError === true) throw new Error(`${dist}: ${JSON.stringify(first)}`);
  return {
    run: () => client.callTool(PARAMS),
    async teardown() {
      await client.close();
      await gateway.close();
    },
  };
}

const progress = (message: string): void => {
  process.stderr.write(`[gateway-ab node${process.versions.node.split('.')[0]}] ${message}\n`);
};
const pair = {
  name: 'gateway-in-process-stdio',
  old: await inProcess(option('--old')),
  new: await inProcess(option('--new')),
};
const [result] = await measure([pair], {
  rounds: Number(option('--rounds', '21')),
  blockMs: Number(option('--block-ms', '100')),
  warmUpMs: Number(option('--warm-up-ms', '1000')),
  gc: 'minor',
  progress,
});
await pair.old.teardown?.();
await pair.new.teardown?.();
if (result !== undefined) {
  process.stdout.write(
    `${process.version} ${result.name}: old ${result.oldUs.toFixed(1)} µs, new ${result.newUs.toFixed(1)} µs CPU per call, ` +
      `new ÷ old ${result.ratio.toFixed(3)} (IQR ${result.q1.toFixed(3)}–${result.q3.toFixed(3)}), ${result.rounds} rounds of ${result.calls} calls\n`,
  );
}
process.exit(0);
