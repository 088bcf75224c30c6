// The proxy command's HTTP listener keeps idle connections as long as its flags say (Node's 5 s default is
// below a load balancer's idle timeout, which gives sporadic 502s): the Keep-Alive header of its answers is
// the flag's, and a flag value Node would refuse is refused with the option named, exit code 2.
import { get } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '@mcp-middleware/cli';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

const upstreams: HttpUpstreamFixture[] = [];
afterAll(async () => {
  await Promise.all(upstreams.map((upstream) => upstream.kill()));
});

/** An io that hands the test the SIGTERM handler and the URL once the gateway listens. */
function testIo(): CliIo & { err: () => string; stop(): void; listening: Promise<URL> } {
  let err = '';
  let stop: ((signal: NodeJS.Signals) => void) | undefined;
  let listened: (url: URL) => void = () => undefined;
  const listening = new Promise<URL>((resolve) => (listened = resolve));
  return {
    stdout: () => undefined,
    stderr: (chunk) => {
      err += chunk;
      const url = /listening on (\S+)/.exec(chunk)?.[1];
      if (url !== undefined) listened(new URL(url));
    },
    env: { ...process.env },
    onSignal: (handler) => {
      stop = handler;
      return () => (stop = undefined);
    },
    err: () => err,
    stop: () => stop?.('SIGTERM'),
    listening,
  };
}

async function proxy(
  flags: readonly string[],
): Promise<{ io: ReturnType<typeof testIo>; code: Promise<number> }> {
  const upstream = await startHttpUpstream();
  upstreams.push(upstream);
  const io = testIo();
  const args = ['proxy', '--upstream', upstream.url.href, '--listen', 'http://127.0.0.1:0/mcp', ...flags];
  return { io, code: runCli(args, io) };
}

describe('the proxy listener keep-alive', { timeout: 60_000 }, () => {
  it('announces the keep-alive timeout its flag gives', async () => {
    const { io, code } = await proxy(['--keep-alive-timeout-ms', '90000']);
    const url = await io.listening;
    const header = await new Promise<string>((resolve, reject) => {
      get(new URL('/healthz', url), (res) => {
        res.resume();
        resolve(String(res.headers['keep-alive']));
      }).on('error', reject);
    });
    expect(header).toBe('timeout=90');
    io.stop();
    expect(await code).toBe(0);
  });

  it('refuses a headers timeout at or below the keep-alive one, naming it', async () => {
    const { io, code } = await proxy(['--keep-alive-timeout-ms', '90000', '--headers-timeout-ms', '60000']);
    expect(await code).toBe(2);
    expect(io.err()).toMatch(/headersTimeoutMs must be above keepAliveTimeoutMs \(90000\), got 60000/);
  });
});
