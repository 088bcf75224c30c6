/**
 * The gateway's cost per call: the same stdio upstream (the test fixture) reached directly, through an
 * in-process gateway, and through the spawned `mcp-middleware proxy` as a client configures it; and 1000
 * HTTP clients at once through the spawned gateway, against the same 1000 on the upstream directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { BenchCase, BenchOp } from '../harness.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// The gateway as users run it: its built dist/ (build-stale.sh builds it), like every other case's
// packages. From source under tsx every closure the per-call path makes pays esbuild's `__name` helper,
// which read as our code's cost in the profile (a few µs a call). bench/package.json does not list the
// cli, so the build is loaded by path; the type comes from the source.
const { createGateway } = (await import(
  new URL('../../../packages/cli/dist/index.js', import.meta.url).href
)) as typeof import('../../../packages/cli/src/index.js');
const UPSTREAM = { command: process.execPath, args: ['--import', 'tsx', 'test/fixtures/upstream-server.ts'] };
const CLI_PROXY = ['packages/cli/dist/bin.js', 'proxy'];
const CLI = [...CLI_PROXY, '--', UPSTREAM.command, ...UPSTREAM.args];
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

// --- 1000 concurrent HTTP clients -------------------------------------------------------------------------

const CLIENTS = 1000;
// Each process says where it listens on a line of its own; the case reads the first URL it prints.
const HTTP_UPSTREAM = [
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  "const { startHttpUpstream } = await import('./test/fixtures/upstream-http.ts');" +
    'const upstream = await startHttpUpstream(); process.stderr.write(`listening on ${upstream.url.href}\\n`);',
];

/** Spawns `args` from the repo root and resolves with the child and the URL it says it listens on. */
function listening(args: readonly string[]): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, [...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let said = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      said += chunk;
      const url = /listening on (http\S+)/.exec(said)?.[1];
      if (url !== undefined) resolve({ child, url: new URL(url) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${said}`)));
  });
}

// A kept-alive socket the server resets while it sits idle in the pool would throw with no listener; the
// request using a socket still hears its errors through the client's own listener.
const guarded = new WeakSet<Socket>();
function guard(socket: Socket): void {
  if (guarded.has(socket)) return;
  guarded.add(socket);
  socket.on('error', () => undefined);
}

/**
 * One JSON-RPC POST; resolves with the status, the body (JSON or SSE, read to its end) and the session. A
 * kept-alive socket the server closed as the request left is retried once on a new one (Node's advice for
 * `req.reusedSocket`); both sides of the comparison use this same client.
 */
function post(
  agent: Agent,
  url: URL,
  message: unknown,
  headers: Record<string, string>,
  retried = false,
): Promise<{ status: number; body: string; session: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const session = res.headers['mcp-session-id'];
          resolve({
            status: res.statusCode ?? 0,
            body,
            session: typeof session === 'string' ? session : undefined,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('socket', guard);
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && error.code === 'ECONNRESET') {
        post(agent, url, message, headers, true).then(resolve, reject);
      } else reject(error);
    });
    req.end(JSON.stringify(message));
  });
}

const PROTOCOL = '2025-11-25';

/** Opens one MCP session at `url` (initialize, initialized) and returns its headers. */
async function openSession(agent: Agent, url: URL, index: number): Promise<Record<string, string>> {
  const init = await post(
    agent,
    url,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL,
        capabilities: {},
        clientInfo: { name: `bench-${index}`, version: '1' },
      },
    },
    {},
  );
  if (init.status !== 200 || init.session === undefined) {
    throw new Error(`initialize failed: ${init.status} ${init.body.slice(0, 200)}`);
  }
  const headers = { 'mcp-session-id': init.session, 'mcp-protocol-version': PROTOCOL };
  await post(agent, url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return headers;
}

const THROUGHPUT_DIRECT = 'gateway-http-1000-direct';

/**
 * `CLIENTS` MCP sessions over Streamable HTTP, each with one `echo` call in flight at once per run, on the
 * HTTP upstream (a process of its own) directly or through the spawned gateway (`proxy --listen http
 * --upstream URL`, empty pipeline, one upstream session per client).
 */
const LEAN_FORWARDER = fileURLToPath(new URL('./lean-forwarder.mjs', import.meta.url));

/** What stands between the clients and the HTTP upstream. */
type Hop = 'direct' | 'gateway' | 'floor';

const HOP_DESCRIPTION: Record<Hop, string> = {
  direct: 'on the HTTP upstream (its own process) directly',
  gateway: 'through the spawned gateway (its own process) to the HTTP upstream',
  floor:
    'through `lean-forwarder.mjs` (no SDK, no pipeline: each message parsed and written once, one kept-alive pool), the floor for any gateway',
};

/** Starts the hop in front of `upstream`: its process and the URL clients use. */
async function hopTo(hop: Hop, upstream: URL): Promise<{ child?: ChildProcess; url: URL }> {
  if (hop === 'direct') return { url: upstream };
  const args =
    hop === 'gateway'
      ? [...CLI_PROXY, '--listen', 'http://127.0.0.1:0/mcp', '--upstream', upstream.href]
      : [LEAN_FORWARDER, upstream.href];
  return listening(args);
}

function httpThroughput(name: string, hop: Hop): BenchCase {
  return {
    name,
    group: 'throughput',
    description: `${CLIENTS} HTTP clients (a session each), one echo call each at once, ${HOP_DESCRIPTION[hop]}; time per call`,
    batch: 1,
    callsPerRun: CLIENTS,
    ...(hop !== 'direct' && { baseline: THROUGHPUT_DIRECT }),
    async setup(): Promise<BenchOp> {
      const upstream = await listening(HTTP_UPSTREAM);
      const front = await hopTo(hop, upstream.url);
      const children = front.child === undefined ? [upstream.child] : [upstream.child, front.child];
      const url = front.url;
      const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS, maxFreeSockets: CLIENTS });
      const sessions: Record<string, string>[] = [];
      // Opened in slices, so setup does not itself become a 1000-connection storm.
      for (let i = 0; i < CLIENTS; i += 50) {
        const slice = Array.from({ length: Math.min(50, CLIENTS - i) }, (_, j) =>
          openSession(agent, url, i + j),
        );
        sessions.push(...(await Promise.all(slice)));
      }
      let id = 1;
      const call = async (headers: Record<string, string>): Promise<void> => {
        const reply = await post(
          agent,
          url,
          { jsonrpc: '2.0', id: id++, method: 'tools/call', params: PARAMS },
          headers,
        );
        if (reply.status !== 200 || !reply.body.includes('"text":"hello"')) {
          throw new Error(`tools/call failed: ${reply.status} ${reply.body.slice(0, 200)}`);
        }
      };
      await call(sessions[0] as Record<string, string>);
      return {
        run: () => Promise.all(sessions.map(call)),
        teardown() {
          agent.destroy();
          for (const child of children) child.kill('SIGTERM');
        },
      };
    },
  };
}

cases.push(
  httpThroughput(THROUGHPUT_DIRECT, 'direct'),
  httpThroughput('gateway-http-1000', 'gateway'),
  httpThroughput('gateway-http-1000-floor', 'floor'),
);
