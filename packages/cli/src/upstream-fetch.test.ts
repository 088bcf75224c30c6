import { getMaxListeners } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resendable, upstreamFetch } from './upstream-fetch.js';

const servers: (HttpServer | NetServer)[] = [];
const rawSockets: Socket[] = [];

async function listen(server: HttpServer | NetServer): Promise<URL> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
}

afterEach(async () => {
  for (const socket of rawSockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const OK =
  'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok';

/** A raw HTTP server: answers each request with OK, and runs `onRequest` first with the socket's count. */
function rawServer(onRequest: (socket: Socket, nth: number, connection: number) => boolean): NetServer {
  let connections = 0;
  return createNetServer((socket) => {
    rawSockets.push(socket);
    const connection = ++connections;
    let nth = 0;
    socket.on('data', () => {
      if (onRequest(socket, ++nth, connection)) socket.write(OK);
    });
    socket.on('error', () => undefined);
  });
}

/**
 * A raw server whose first connection answers its first request, then reads the second and dies without a
 * byte back, as an idle timeout firing as the request arrives does; `seen` gets `connection.request` of each.
 */
function closesFirstSocketOnReuse(seen: string[]): NetServer {
  return rawServer((socket, nth, connection) => {
    seen.push(`${connection}.${nth}`);
    if (connection === 1 && nth === 2) {
      socket.destroy();
      return false;
    }
    return true;
  });
}

describe('upstreamFetch', () => {
  it('sends the method, headers and body, and gives back the status, headers and body', async () => {
    let seen: { method: string | undefined; type: string | undefined; body: string } | undefined;
    const url = await listen(
      createHttpServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          seen = { method: req.method, type: req.headers['content-type'], body };
          res.writeHead(201, { 'mcp-session-id': 's1', 'content-type': 'application/json' });
          res.end('{"a":1}');
        });
      }),
    );
    const headers = new Headers({ 'content-type': 'application/json' });
    const response = await upstreamFetch(url, { method: 'POST', headers, body: '{"x":"é"}' });
    expect(seen).toEqual({ method: 'POST', type: 'application/json', body: '{"x":"é"}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('mcp-session-id')).toBe('s1');
    expect(await response.json()).toEqual({ a: 1 });
  });

  it('streams a body as it arrives', async () => {
    let finish: (() => void) | undefined;
    const url = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        finish = () => res.end('data: 2\n\n');
      }),
    );
    const response = await upstreamFetch(url);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('data: 1\n\n');
    finish?.();
    const second = await reader.read();
    expect(Buffer.from(second.value as Uint8Array).toString()).toBe('data: 2\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('rejects with the signal reason when aborted, and the upstream sees the request closed', async () => {
    let closed!: Promise<void>;
    const url = await listen(
      createHttpServer((req) => {
        closed = new Promise((resolve) => req.socket.once('close', () => resolve()));
      }),
    );
    const controller = new AbortController();
    const pending = upstreamFetch(url, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await closed;
  });

  it('sends again, once, a request whose reused kept-alive socket closed before answering', async () => {
    const seen: string[] = [];
    const url = await listen(closesFirstSocketOnReuse(seen));
    expect(await (await upstreamFetch(url)).text()).toBe('ok');
    const list = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    expect(await (await upstreamFetch(url, { method: 'POST', body: list })).text()).toBe('ok');
    expect(seen).toEqual(['1.1', '1.2', '2.1']);
  });

  it('never sends again a tools/call its reused socket lost: the upstream may have run it', async () => {
    const seen: string[] = [];
    // To the client the tool call looks exactly like the resent read above; but the upstream may have run it.
    const url = await listen(closesFirstSocketOnReuse(seen));
    expect(await (await upstreamFetch(url)).text()).toBe('ok');
    const call = { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'pay', arguments: {} } };
    // Alone or in a batch beside a harmless request, a tools/call goes once.
    await expect(
      upstreamFetch(url, {
        method: 'POST',
        body: JSON.stringify([{ jsonrpc: '2.0', id: 9, method: 'ping' }, call]),
      }),
    ).rejects.toThrow('fetch failed');
    expect(seen).toEqual(['1.1', '1.2']);
  });

  it('raises the listener limit on the signal the SDK shares across requests', async () => {
    const url = await listen(createHttpServer((_req, res) => res.end('ok')));
    const signal = new AbortController().signal;
    expect(await (await upstreamFetch(url, { signal })).text()).toBe('ok');
    expect(getMaxListeners(signal)).toBe(100_000);
  });

  it('tells which bodies may go twice', () => {
    const request = (method: string, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', id, method });
    expect(resendable('GET', undefined)).toBe(true);
    expect(resendable('DELETE', undefined)).toBe(true);
    expect(resendable('POST', request('resources/read'))).toBe(true);
    expect(resendable('POST', new TextEncoder().encode(request('tools/list')))).toBe(true);
    expect(resendable('POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))).toBe(
      true,
    );
    expect(resendable('POST', JSON.stringify({ jsonrpc: '2.0', id: 3, result: {} }))).toBe(true);
    for (const method of ['tools/call', 'tasks/cancel', 'sampling/createMessage', 'vendor/anything']) {
      expect(resendable('POST', request(method)), method).toBe(false);
    }
    expect(resendable('POST', `[${request('ping')},${request('tools/call', 2)}]`)).toBe(false);
    expect(resendable('POST', 'not json')).toBe(false);
    expect(resendable('POST', undefined)).toBe(false);
  });

  it('fails, and does not crash, on a status a web Response cannot carry', async () => {
    const url = await listen(
      createNetServer((socket) => {
        rawSockets.push(socket);
        socket.on('error', () => undefined);
        socket.once('data', () => socket.write('HTTP/1.1 600 Odd\r\ncontent-length: 0\r\n\r\n'));
      }),
    );
    await expect(upstreamFetch(url, { method: 'POST', body: '{}' })).rejects.toThrow('fetch failed');
  });

  it('does not send again a request whose fresh socket closed before answering', async () => {
    let requests = 0;
    const url = await listen(
      rawServer((socket) => {
        requests++;
        socket.destroy();
        return false;
      }),
    );
    await expect(upstreamFetch(url, { method: 'POST', body: 'x' })).rejects.toThrow('fetch failed');
    expect(requests).toBe(1);
  });
});
