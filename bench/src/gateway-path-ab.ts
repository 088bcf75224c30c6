/**
 * A/B of the gateway's own per-call path in one process, without the SDK's transports around it: a
 * session's `tools/call` handler (MirrorHandlers.callTool: the hub's tracking, the router, the drain
 * count, the empty pipeline, the upstream handler) down to an upstream Client whose `request` answers at
 * once. The SDK's round trip around this path is ~95 % of a gateway call and its noise hides a change of a
 * few per cent in ours; here only ours is timed. Each build's modules come from its dist/; core is the
 * bench's for both. Alternating blocks of process CPU time, as `pnpm ab` (ab-measure.ts).
 *
 *   node --expose-gc --import tsx src/gateway-path-ab.ts --old <cli dist dir> --new <cli dist dir>
 *     [--rounds 41] [--block-ms 50] [--warm-up-ms 300]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createToolRunner, systemClock, type ToolExtra } from '@mcp-middleware/core';
import { measure } from './ab-measure.js';
import type { BenchOp } from './harness.js';

type Cli = typeof import('../../packages/cli/src/tool-router.js') &
  typeof import('../../packages/cli/src/session-hub.js') &
  typeof import('../../packages/cli/src/drain.js') &
  typeof import('../../packages/cli/src/mirror-handlers.js') &
  typeof import('../../packages/cli/src/session.js');

const argv = process.argv.slice(2);
const option = (name: string, fallback?: string): string => {
  const value = argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

async function load(dist: string): Promise<Cli> {
  const parts = await Promise.all(
    ['tool-router', 'session-hub', 'drain', 'mirror-handlers', 'session'].map(
      (file) => import(pathToFileURL(resolve(dist, `${file}.js`)).href) as Promise<object>,
    ),
  );
  return Object.assign({}, ...parts) as Cli;
}

const RESULT = { content: [{ type: 'text', text: 'hello' }] };
const TOOLS = { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] };

/** The path on the build in `dist`, over an upstream that answers at once. */
async function path(dist: string): Promise<BenchOp> {
  const cli = await load(dist);
  const client = {
    request: (request: { method: string }) =>
      Promise.resolve(request.method === 'tools/list' ? TOOLS : RESULT),
  };
  const connection = { client, capabilities: { tools: {} } } as never;
  const runner = createToolRunner([], { debug: false });
  const hub = new cli.SessionHub({ shared: () => connection, openOwn: undefined, requestTimeoutMs: 60_000 });
  const supervisor = { current: connection, accepting: true, unavailable: () => new Error('down') } as never;
  const calls = new cli.CallTracker(systemClock);
  const router = new cli.ToolRouter({ runner, hub, supervisor, calls, requestTimeoutMs: 60_000, warn() {} });
  await router.install(connection);
  const session = cli.newSession({} as never);
  hub.sessions.add(session);
  const handlers = new cli.MirrorHandlers(
    {
      hub,
      tools: (s) => router.tools(s),
      callTool: (s, params, extra) => router.call(s, params, extra),
      requestTimeoutMs: 60_000,
      runner,
    },
    session,
  );
  const signal = new AbortController().signal;
  let id = 0;
  const request = { method: 'tools/call' as const, params: { name: 'echo', arguments: { text: 'hello' } } };
  const run = (): Promise<unknown> => {
    const extra = {
      signal,
      requestId: id++,
      sendNotification: () => Promise.resolve(),
    } as unknown as ToolExtra;
    return handlers.callTool(request, extra);
  };
  const first = (await run()) as { isError?: boolean };
  if (first.isError === true) throw new Error(`${dist}: ${JSON.stringify(first)}`);
  return { run };
}

const pair = {
  name: 'gateway tools/call path',
  old: await path(option('--old')),
  new: await path(option('--new')),
};
const [result] = await measure([pair], {
  rounds: Number(option('--rounds', '41')),
  blockMs: Number(option('--block-ms', '50')),
  warmUpMs: Number(option('--warm-up-ms', '300')),
  gc: 'minor',
  progress: (message) => process.stderr.write(`[gateway-path-ab] ${message}\n`),
});
if (result !== undefined) {
  process.stdout.write(
    `${process.version} ${result.name}: old ${result.oldUs.toFixed(3)} µs, new ${result.newUs.toFixed(3)} µs CPU per call, ` +
      `new ÷ old ${result.ratio.toFixed(3)} (IQR ${result.q1.toFixed(3)}–${result.q3.toFixed(3)}), ${result.rounds} rounds of ${result.calls} calls\n`,
  );
}
