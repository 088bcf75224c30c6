// An HTTP upstream closes a kept-alive socket the moment the gateway reuses it (its keep-alive timeout
// running out as the request leaves): the gateway sends a request that changes nothing (a read) once more on
// a fresh connection; a tools/call, which the upstream may have run before dying, and any request the
// upstream answered part of, are never sent again.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '@mcp-middleware/cli';
import { text } from './fixtures/upstream-helpers.js';
import { startHttpUpstream, type HttpUpstreamFixture } from './fixtures/upstream-http.js';

/** What the proxy does to the next request that arrives on a socket which has already carried an answer. */
type Trap = 'none' | 'close-unread' | 'reset-unread' | 'close-after-answer-began';

/**
 * A TCP proxy in front of the upstream that, when a trap is set, springs it on the next request that
 * reuses a kept-alive socket: it closes (FIN) or resets (RST) the socket without passing the request on,
 * as an upstream whose idle timeout fires as the request arrives does; or passes the request on and drops
 * the socket as the first bytes of the answer come back.
 */
class IdleCloser {
  trap: Trap = 'none';
  sprung = 0;
  /** tools/call requests the upstream received. */
  callsForwarded = 0;
  /** resources/read requests the upstream received. */
  readsForwarded = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(upstream: URL) {
    this.#server = createServer((client) => this.#pipe(client, upstream));
  }

  #pipe(client: Socket, upstream: URL): void {
    const server = connect(Number(upstream.port), upstream.hostname);
    this.#sockets.add(client).add(server);
    let answered = false;
    let dropOnAnswer = false;
    client.on('data', (chunk: Buffer) => {
      if (answered && this.trap !== 'none' && this.trap !== 'close-after-answer-began') {
        this.#spring();
        server.destroy();
        if (this.trap === 'reset-unread') client.resetAndDestroy();
        else client.destroy();
        return;
      }
      if (answered && this.trap === 'close-after-answer-began' && chunk.includes('tools/call')) {
        this.#spring();
        dropOnAnswer = true;
      }
      if (chunk.includes('"tools/call"')) this.callsForwarded++;
      if (chunk.includes('"resources/read"')) this.readsForwarded++;
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      answered = true;
      if (!dropOnAnswer) {
        client.write(chunk);
        return;
      }
      // The first bytes of the status line, then nothing: the upstream had the request and began to answer.
      client.end(chunk.subarray(0, 12));
      server.destroy();
    });
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  }

  #spring(): void {
    this.sprung++;
    this.trap = 'none';
  }

  async listen(): Promise<URL> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/mcp`);
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('an HTTP upstream that closes a kept-alive socket as the gateway reuses it', () => {
  let upstream: HttpUpstreamFixture;
  let proxy: IdleCloser;
  let gateway: Gateway;
  let client: Client;

  beforeAll(async () => {
    upstream = await startHttpUpstream();
    proxy = new IdleCloser(upstream.url);
    gateway = await createGateway({
      upstream: { url: await proxy.listen() },
      listen: 'http://127.0.0.1:0/mcp',
    });
    client = new Client({ name: 'idle-close', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(gateway.url as URL));
    // The first call leaves the gateway's sockets to the upstream kept alive, each having carried an answer.
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'warm' } }))).toBe('warm');
  });

  afterAll(async () => {
    await client.close();
    await gateway.close();
    await proxy.close();
    await upstream.kill();
  });

  /**
   * Sets `trap`, runs `act` and checks the trap sprang once: what `act` gave back, and how many more reads
   * and calls reached the upstream meanwhile.
   */
  async function springing<T>(
    trap: Trap,
    act: () => Promise<T>,
  ): Promise<{ result: T; reads: number; calls: number }> {
    const before = { sprung: proxy.sprung, reads: proxy.readsForwarded, calls: proxy.callsForwarded };
    proxy.trap = trap;
    const result = await act();
    expect(proxy.sprung).toBe(before.sprung + 1);
    return { result, reads: proxy.readsForwarded - before.reads, calls: proxy.callsForwarded - before.calls };
  }

  it.each(['close-unread', 'reset-unread'] as const)(
    'answers a read whose reused socket the upstream dropped unread (%s), sending it upstream once',
    async (trap) => {
      const { result, reads } = await springing(trap, () =>
        client.readResource({ uri: 'fixture://greeting' }),
      );
      expect(result.contents).toHaveLength(1);
      expect(reads).toBe(1);
    },
  );

  it.each(['close-unread', 'reset-unread'] as const)(
    'does not send again a tools/call whose reused socket dropped unread (%s): to the client it looks like a crash mid-call',
    async (trap) => {
      const { result, calls } = await springing(trap, () =>
        client.callTool({ name: 'echo', arguments: { text: 'hello' } }),
      );
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result._meta)).toContain('UPSTREAM_ERROR');
      expect(calls).toBe(0);
      // The next call goes on a fresh socket and is answered.
      expect(text(await client.callTool({ name: 'echo', arguments: { text: 'again' } }))).toBe('again');
    },
  );

  it('does not send again a call the upstream had begun to answer when the socket dropped', async () => {
    const { result, calls } = await springing('close-after-answer-began', () =>
      client.callTool({ name: 'echo', arguments: { text: 'once' } }),
    );
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result._meta)).toContain('UPSTREAM_ERROR');
    expect(calls).toBe(1);
  });
});
