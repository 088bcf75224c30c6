/**
 * The gateway's cost per call: the same stdio upstream (the test fixture) reached directly, through an
 * in-process gateway, and through the spawned `mcp-middleware proxy` as a client configures it.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
// bench/package.json does not list @mcp-middleware/cli yet (not this case's file to change): import its source.
import { createGateway } from '../../../packages/cli/src/index.js';
import type { BenchCase, BenchOp } from '../harness.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const UPSTREAM = { command: process.execPath, args: ['--import', 'tsx', 'test/fixtures/upstream-server.ts'] };
const CLI = [
  '--conditions=@mcp-middleware/source',
  '--import',
  'tsx',
  'packages/cli/src/bin.ts',
  'proxy',
  '--',
  UPSTREAM.command,
  ...UPSTREAM.args,
];
const PARAMS = { name: 'echo', arguments: { text: 'hello' } };

async function over(transport: ConstructorParameters<typeof StdioClientTransport>[0]): Promise<BenchOp> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ ...transport, cwd: ROOT, stderr: 'ignore' }));
  return { run: () => client.callTool(PARAMS), teardown: () => client.close() };
}

const DIRECT = 'gateway-direct-stdio';

// The gateway cases are each timed beside the direct connection in every round, so their ratio to it
// is read per round rather than across rounds a noisy machine spreads apart.
const roundTrip = (name: string, description: string, setup: () => Promise<BenchOp>): BenchCase => ({
  name,
  group: 'round-trip',
  description,
  quick: true,
  batch: 200,
  ...(name !== DIRECT && { baseline: DIRECT }),
  setup,
});

export const cases: BenchCase[] = [
  roundTrip(
    'gateway-direct-stdio',
    'SDK Client → stdio → upstream: the connection the gateway replaces',
    () => over(UPSTREAM),
  ),
  roundTrip(
    'gateway-in-process-stdio',
    'SDK Client → in-memory → createGateway (empty pipeline) → stdio → the same upstream',
    async () => {
      const gateway = await createGateway({
        upstream: { ...UPSTREAM, cwd: ROOT, stderr: 'ignore' },
        runner: { debug: false },
      });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await gateway.connect(serverSide);
      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(clientSide);
      return {
        run: () => client.callTool(PARAMS),
        async teardown() {
          await client.close();
          await gateway.close();
        },
      };
    },
  ),
  roundTrip(
    'gateway-cli-stdio',
    'SDK Client → stdio → `mcp-middleware proxy` process → stdio → the same upstream (what a client config runs)',
    () => over({ command: process.execPath, args: CLI }),
  ),
];
