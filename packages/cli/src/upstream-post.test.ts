import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directPost, type PostHooks } from './upstream-post.js';

const RESULT = { jsonrpc: '2.0', id: 'mcpmw-1', result: { content: [] } };
const PROGRESS = {
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 'mcpmw-1', progress: 1 },
};
const sse = (...messages: unknown[]): string =>
  messages.map((m) => `event: message\ndata: ${JSON.stringify(m)}\n\n`).join('');

// How the test upstream answers, by the value of the `x-answer` header the test sends.
const ANSWERS: Record<string, (res: ServerResponse) => void> = {
  json: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(RESULT)),
  'json batch': (res) =>
    res
      .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify([PROGRESS, RESULT])),
  sse: (res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(sse(PROGRESS, RESULT)),
  // CRLF line ends, a comment, an event of another type, and the stream written a few bytes at a time.
  'sse in pieces': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const text = `: hello\r\nevent: ping\r\ndata: {}\r\n\r\n${sse(PROGRESS, RESULT).replaceAll('\n', '\r\n')}`;
    let at = 0;
    const next = (): void => {
      if (at >= text.length) return void res.end();
      res.write(text.slice(at, (at += 7)));
      setImmediate(next);
    };
    next();
  },
  '404': (res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('Session not found'),
  '202': (res) => res.writeHead(202).end(),
  html: (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>'),
  'no response': (res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(sse(PROGRESS)),
  'not JSON': (res) =>
    res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {oops\n\n' + sse(RESULT)),
  cut: (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(sse(PROGRESS));
    setTimeout(() => res.socket?.destroy(), 20);
  },
};

let server: Server;
let url: URL;
const seenHeaders: Record<string, string | string[] | undefined>[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    req.resume();
    req.on('end', () => ANSWERS[String(req.headers['x-answer'])]?.(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Posts one request (or a notification) answered as `answer` says; what was delivered, reported, settled. */
async function posted(
  answer: string,
  message: JSONRPCMessage = { jsonrpc: '2.0', id: 'mcpmw-1', method: 'tools/call' },
) {
  const delivered: unknown[] = [];
  const errors: string[] = [];
  const hooks: PostHooks = {
    session: () => ({ sessionId: 'abc', protocolVersion: '2025-11-25' }),
    deliver: (m) => delivered.push(m),
    onerror: (e) => errors.push(e.message),
  };
  const post = directPost(url, { 'x-answer': answer, authorization: 'Bearer up' }, hooks);
  const outcome = await post.send(message).then(
    () => 'sent',
    (error: Error & { code?: number | string }) => `failed: ${error.code ?? ''} ${error.message}`,
  );
  return { delivered, errors, outcome };
}

describe('directPost', () => {
  it.each(['json', 'json batch', 'sse', 'sse in pieces'])(
    'delivers a %s answer in order and settles',
    async (answer) => {
      const { delivered, errors, outcome } = await posted(answer);
      expect(outcome).toBe('sent');
      expect(errors).toEqual([]);
      expect(delivered).toEqual(answer === 'json' ? [RESULT] : [PROGRESS, RESULT]);
    },
  );

  it('sends the session, the protocol version, the configured headers and the media types', async () => {
    seenHeaders.length = 0;
    await posted('json');
    expect(seenHeaders[0]).toMatchObject({
      'mcp-session-id': 'abc',
      'mcp-protocol-version': '2025-11-25',
      authorization: 'Bearer up',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    });
  });

  it.each([
    ['404', 'failed: 404 Streamable HTTP error: Error POSTing to endpoint: Session not found'],
    ['html', 'failed: -1 Streamable HTTP error: Unexpected content type: text/html'],
    ['no response', 'failed:  the upstream ended its answer to request mcpmw-1 without a response'],
    ['cut', 'failed:  the upstream connection closed before its answer ended'],
  ])('fails a %s answer as the SDK transport words it, and reports it once', async (answer, said) => {
    const { errors, outcome } = await posted(answer);
    expect(outcome).toBe(said);
    expect(errors).toEqual([said.replace(/^failed: -?\d* /, '')]);
  });

  it('skips an SSE event that is not JSON, says so, and still delivers the rest', async () => {
    const { delivered, errors, outcome } = await posted('not JSON');
    expect(outcome).toBe('sent');
    expect(delivered).toEqual([RESULT]);
    expect(errors).toEqual(['the upstream sent a message that is not JSON: {oops']);
  });

  it('settles a notification on 202', async () => {
    const { outcome, delivered } = await posted('202', { jsonrpc: '2.0', method: 'notifications/cancelled' });
    expect(outcome).toBe('sent');
    expect(delivered).toEqual([]);
  });

  it('fails with the cause when the upstream cannot be reached', async () => {
    const post = directPost(
      new URL('http://127.0.0.1:9/mcp'),
      {},
      {
        session: () => ({ sessionId: undefined, protocolVersion: undefined }),
        deliver: () => undefined,
        onerror: () => undefined,
      },
    );
    const error = await post.send({ jsonrpc: '2.0', id: 1, method: 'tools/call' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error & { cause: Error }).cause)).toContain('ECONNREFUSED');
  });
});
