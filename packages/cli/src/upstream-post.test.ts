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
  // The SDK's priming event (an id, empty data) first, then events with ids, as an event store writes them.
  priming: (res) =>
    res
      .writeHead(200, { 'content-type': 'text/event-stream' })
      .end(`id: 1\ndata: \n\n${sse(PROGRESS, RESULT).replaceAll('event: message', 'id: 2\nevent: message')}`),
  redirect: (res) => res.writeHead(307, { location: '/mcp/' }).end(),
  'cut after an event id': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`id: 7\n${sse(PROGRESS)}`);
    setTimeout(() => res.socket?.destroy(), 20);
  },
  // Headers and one event, then nothing: a request the upstream is still working on.
  'still working': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`id: 9\n${sse(PROGRESS)}`);
    res.once('close', () => closedByGateway.push('still working'));
  },
  cut: (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(sse(PROGRESS));
    setTimeout(() => res.socket?.destroy(), 20);
  },
};

let server: Server;
let url: URL;
const seenHeaders: Record<string, string | string[] | undefined>[] = [];
const seenBodies: string[] = [];
const closedByGateway: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seenBodies.push(body);
      ANSWERS[String(req.headers['x-answer'])]?.(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const CALL: JSONRPCMessage = { jsonrpc: '2.0', id: 'mcpmw-1', method: 'tools/call' };

/**
 * Posts `messages` one after another, answered as `answer` says: what was delivered, reported, handed to
 * the SDK transport, and how each send settled.
 */
async function posted(answer: string, ...messages: JSONRPCMessage[]) {
  const delivered: unknown[] = [];
  const errors: string[] = [];
  const handedOver: [unknown, string | undefined][] = [];
  const hooks: PostHooks = {
    session: () => ({ sessionId: 'abc', protocolVersion: '2025-11-25' }),
    deliver: (m) => delivered.push(m),
    onerror: (e) => errors.push(e.message),
    fallback: (m, token) => {
      handedOver.push([(m as { id?: unknown }).id, token]);
      return Promise.resolve();
    },
  };
  const post = directPost(url, { 'x-answer': answer, authorization: 'Bearer up' }, hooks);
  const outcomes: string[] = [];
  for (const message of messages.length === 0 ? [CALL] : messages) {
    outcomes.push(
      await post.send(message).then(
        () => 'sent',
        (error: Error & { code?: number | string }) => `failed: ${error.code ?? ''} ${error.message}`,
      ),
    );
  }
  return { delivered, errors, handedOver, outcome: outcomes[0], outcomes };
}

describe('directPost', () => {
  it.each(['json', 'json batch', 'sse', 'sse in pieces', 'priming'])(
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
    // A connection that went away (-32000): the gateway says the call may or may not have run.
    [
      'no response',
      'failed: -32000 MCP error -32000: the upstream ended its answer before answering request mcpmw-1',
    ],
    [
      'cut',
      'failed: -32000 MCP error -32000: the upstream connection closed before answering request mcpmw-1',
    ],
  ])('fails a %s answer as the SDK transport words it, and reports it once', async (answer, said) => {
    const { errors, outcome } = await posted(answer);
    expect(outcome).toBe(said);
    expect(errors).toEqual([said.replace(/^failed: -?\d* /, '')]);
  });

  it('hands a redirected message to the SDK transport, and every later one too', async () => {
    seenBodies.length = 0;
    const second: JSONRPCMessage = { jsonrpc: '2.0', id: 'mcpmw-2', method: 'tools/call' };
    const { handedOver, outcomes, errors } = await posted('redirect', CALL, second);
    expect(outcomes).toEqual(['sent', 'sent']);
    expect(handedOver).toEqual([
      ['mcpmw-1', undefined],
      ['mcpmw-2', undefined],
    ]);
    expect(seenBodies).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('resumes a stream cut after an event id through the SDK transport, from that id', async () => {
    const { handedOver, delivered, outcome, errors } = await posted('cut after an event id');
    expect(outcome).toBe('sent');
    expect(delivered).toEqual([PROGRESS]);
    expect(handedOver).toEqual([['mcpmw-1', '7']]);
    expect(errors).toEqual([]);
  });

  it('skips an SSE event that is not JSON, says so, and still delivers the rest', async () => {
    const { delivered, errors, outcome } = await posted('not JSON');
    expect(outcome).toBe('sent');
    expect(delivered).toEqual([RESULT]);
    expect(errors).toEqual(['the upstream sent a message that is not JSON: {oops']);
  });

  it('lets go of a request given up on: the connection is cut, nothing reported, nothing resumed', async () => {
    const errors: string[] = [];
    const handedOver: unknown[] = [];
    const delivered: unknown[] = [];
    const post = directPost(
      url,
      { 'x-answer': 'still working' },
      {
        session: () => ({ sessionId: undefined, protocolVersion: undefined }),
        deliver: (m) => delivered.push(m),
        onerror: (e) => errors.push(e.message),
        fallback: (m) => {
          handedOver.push(m);
          return Promise.resolve();
        },
      },
    );
    const sent = post.send(CALL);
    await expect.poll(() => delivered.length).toBe(1);
    post.abandon('mcpmw-1');
    await expect(sent).resolves.toBeUndefined();
    await expect.poll(() => closedByGateway).toEqual(['still working']);
    expect([errors, handedOver]).toEqual([[], []]);
  });

  it('posts a notification and settles on 202', async () => {
    seenBodies.length = 0;
    const cancel: JSONRPCMessage = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 'mcpmw-1' },
    };
    const { outcome } = await posted('202', cancel);
    expect(outcome).toBe('sent');
    expect(seenBodies.map((b) => JSON.parse(b) as unknown)).toEqual([cancel]);
  });

  it('fails with the cause when the upstream cannot be reached', async () => {
    const post = directPost(
      new URL('http://127.0.0.1:9/mcp'),
      {},
      {
        session: () => ({ sessionId: undefined, protocolVersion: undefined }),
        deliver: () => undefined,
        onerror: () => undefined,
        fallback: () => Promise.resolve(),
      },
    );
    const error = await post.send({ jsonrpc: '2.0', id: 1, method: 'tools/call' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error & { cause: Error }).cause)).toContain('ECONNREFUSED');
  });
});
