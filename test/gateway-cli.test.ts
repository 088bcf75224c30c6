// The `mcp-middleware` command: spawned as users run it, and in-process (runCli) for signals and exit codes.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '@mcp-middleware/cli';
import { UPSTREAM, connectToGateway, spawnGateway, type SpawnedGateway } from './fixtures/gateway-spawn.js';
import { startHttpUpstream } from './fixtures/upstream-http.js';
import { errorCode, startBlock, text } from './fixtures/upstream-helpers.js';

/** A Client speaking to the spawned gateway over its stdin/stdout; records transport-level errors. */
async function connectTo(spawned: SpawnedGateway): Promise<{ client: Client; errors: Error[] }> {
  const errors: Error[] = [];
  const client = await connectToGateway(spawned);
  client.onerror = (error) => errors.push(error);
  return { client, errors };
}

// Each spawned test starts tsx processes (the CLI, and the fixture upstream); on a loaded machine that
// alone can take seconds, so these get more time than the default.
describe('mcp-middleware proxy, spawned', { timeout: 60_000 }, () => {
  it('serves the upstream over stdio, writing only JSON-RPC to stdout, and drains a call on SIGTERM', async () => {
    const gateway = spawnGateway(['proxy', '--', ...UPSTREAM]);
    const { client, errors } = await connectTo(gateway);
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'via cli' } }))).toBe('via cli');
    const { result, pid } = startBlock(client);
    const upstreamPid = await pid;
    gateway.child.kill('SIGTERM');
    process.kill(upstreamPid, 'SIGUSR2');
    expect(text(await result)).toBe('released');
    expect(await gateway.exit).toBe(0);
    expect(errors).toEqual([]);
    expect(gateway.stderr()).toContain('connected to upstream fixture-upstream 1.2.3');
    expect(gateway.stderr()).toContain('SIGTERM received');
  });

  it('exits 3 with a clear message and no stack trace when the upstream cannot start', async () => {
    const gateway = spawnGateway(['proxy', '--', 'mcp-middleware-no-such-command', '--flag']);
    expect(await gateway.exit).toBe(3);
    expect(gateway.stderr()).toContain('command `mcp-middleware-no-such-command` was not found');
    expect(gateway.stderr()).not.toMatch(/^\s+at /m);
  });
});

/** An io for runCli that records output and lets the test deliver signals. */
function testIo(): CliIo & {
  out: string;
  err: string;
  signal(name: NodeJS.Signals): void;
  listening(): Promise<URL>;
} {
  let handler: ((signal: NodeJS.Signals) => void) | undefined;
  let onListening: ((url: URL) => void) | undefined;
  const listening = new Promise<URL>((resolve) => (onListening = resolve));
  const io = {
    out: '',
    err: '',
    env: { ...process.env },
    stdout: (chunk: string) => void (io.out += chunk),
    stderr: (chunk: string) => {
      io.err += chunk;
      const url = /listening on (\S+)/.exec(chunk)?.[1];
      if (url !== undefined) onListening?.(new URL(url));
    },
    onSignal(h: (signal: NodeJS.Signals) => void) {
      handler = h;
      return () => (handler = undefined);
    },
    signal: (name: NodeJS.Signals) => handler?.(name),
    listening: () => listening,
  };
  return io;
}

describe('mcp-middleware proxy, in-process', () => {
  const upstreams: { kill(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(upstreams.map((u) => u.kill()));
  });

  async function proxyOverHttp(): Promise<{
    io: ReturnType<typeof testIo>;
    code: Promise<number>;
    client: Client;
    release(): void;
  }> {
    const upstream = await startHttpUpstream();
    upstreams.push(upstream);
    const io = testIo();
    const code = runCli(['proxy', '--upstream', upstream.url.href, '--listen', 'http://127.0.0.1:0/mcp'], io);
    const client = new Client({ name: 'cli-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(await io.listening()));
    return { io, code, client, release: () => upstream.state.release() };
  }

  it('drains the call in flight on the first signal and exits 0', async () => {
    const { io, code, client, release } = await proxyOverHttp();
    const { result, pid } = startBlock(client);
    await pid;
    io.signal('SIGINT');
    release();
    expect(text(await result)).toBe('released');
    expect(await code).toBe(0);
    expect(io.out).toBe('');
  });

  it('answers the call in flight with UPSTREAM_ERROR when the upstream dies, then exits 1', async () => {
    const { io, code, client } = await proxyOverHttp();
    expect(errorCode(await client.callTool({ name: 'crash', arguments: {} }))).toBe('UPSTREAM_ERROR');
    expect(await code).toBe(1);
    expect(io.err).toMatch(
      /exiting: upstream http:\/\/127\.0\.0\.1:\d+\/mcp: the upstream stopped answering/,
    );
  });

  it('stops at once with exit code 1 on a second signal', async () => {
    const { io, code, client } = await proxyOverHttp();
    const controller = new AbortController();
    const { result, pid } = startBlock(client, controller.signal);
    const settled = result.catch(() => undefined);
    await pid;
    io.signal('SIGTERM');
    io.signal('SIGTERM');
    expect(await code).toBe(1);
    expect(io.err).toContain('second SIGTERM: stopping without waiting');
    controller.abort();
    await settled;
  });
});
