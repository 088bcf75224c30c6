import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CallToolResultSchema,
  LoggingMessageNotificationSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ArrivalOrderTransport } from './arrival-order.js';
import { UpstreamLane } from './upstream-lane.js';
import { checkedToolResult } from './tool-call.js';

// What the upstream answers, by tool name: results of every shape the schema passes, fills or refuses.
const ANSWERS: Record<string, unknown> = {
  text: { content: [{ type: 'text', text: 'hi' }] },
  'text with extras': {
    content: [{ type: 'text', text: 'hi', annotations: { priority: 1 } }],
    _meta: { a: 1 },
  },
  image: { content: [{ type: 'image', data: 'aGk=', mimeType: 'image/png' }] },
  structured: { content: [], structuredContent: { n: 1 } },
  'is error': { content: [{ type: 'text', text: 'no' }], isError: true },
  'no content': { structuredContent: { n: 2 } },
  'content not an array': { content: 'hi' },
  'text block without text': { content: [{ type: 'text' }] },
  'unknown block type': { content: [{ type: 'sound', data: 'x' }] },
  'isError not boolean': { content: [], isError: 'yes' },
  'null block': { content: [null] },
  // Shapes a hand check could wrongly pass: the schema strips the first and refuses the others.
  'text with an unknown key': { content: [{ type: 'text', text: 'hi', foo: 1 }] },
  'annotation out of range': { content: [{ type: 'text', text: 'hi', annotations: { priority: 7 } }] },
  'block _meta a string': { content: [{ type: 'text', text: 'hi', _meta: 'x' }] },
  'structuredContent an array': { content: [], structuredContent: [1, 2] },
};

interface Upstream {
  client: Client;
  ordered: ArrivalOrderTransport;
  cancelled: unknown[];
  close(): Promise<void>;
}

const open: Upstream[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((u) => u.close().catch(() => undefined)));
});

/**
 * A scripted upstream (any language's server): answers whatever ANSWERS says, unvalidated; `progress`
 * reports three steps first, `fails` answers a JSON-RPC error, `hangs` never answers. A real Client on an
 * ArrivalOrderTransport in front, as the gateway connects.
 */
async function upstream(): Promise<Upstream> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const cancelled: unknown[] = [];
  const reply = (message: JSONRPCMessage): void => void serverSide.send(message);
  serverSide.onmessage = (message: JSONRPCMessage) => {
    if (!('method' in message)) return;
    const params = (message.params ?? {}) as {
      name?: string;
      reason?: unknown;
      _meta?: { progressToken?: unknown };
    };
    if (message.method === 'notifications/cancelled') cancelled.push(params.reason);
    if (!('id' in message)) return;
    const { id } = message;
    if (message.method === 'initialize') {
      const result = {
        protocolVersion: '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'up', version: '1' },
      };
      return reply({ jsonrpc: '2.0', id, result });
    }
    const name = params.name ?? '';
    if (name === 'hangs') return;
    if (name === 'fails') {
      return reply({
        jsonrpc: '2.0',
        id,
        error: { code: -32602, message: 'Unknown tool: fails', data: { tool: 'fails' } },
      });
    }
    if (name === 'logs and progress') {
      const progressToken = params._meta?.progressToken as string;
      for (const step of [1, 2]) {
        reply({
          jsonrpc: '2.0',
          method: 'notifications/message',
          params: { level: 'info', data: `log ${step}` },
        });
        reply({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken, progress: step },
        });
      }
    }
    if (name === 'progress') {
      const progressToken = params._meta?.progressToken as string;
      for (const progress of [1, 2, 3]) {
        reply({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress } });
      }
    }
    const result = name === 'result _meta a number' ? { content: [], _meta: 5 } : ANSWERS[name];
    reply({ jsonrpc: '2.0', id, result: (result ?? ANSWERS.text) as Record<string, unknown> });
  };
  await serverSide.start();
  const ordered = new ArrivalOrderTransport(clientSide);
  const client = new Client({ name: 'gw', version: '1' });
  client.onerror = () => undefined;
  await client.connect(ordered);
  const made: Upstream = { client, ordered, cancelled, close: () => client.close() };
  open.push(made);
  return made;
}

const settled = <T>(
  promise: Promise<T>,
): Promise<{ ok: T } | { error: { code?: unknown; message: string; data?: unknown } }> =>
  promise.then(
    (ok) => ({ ok }),
    // The class may differ (zod's ZodError here, its core $ZodError in the SDK); what it says may not.
    (error: { name: string; code?: unknown; message: string; data?: unknown }) => ({
      error: { code: error.code, message: error.message, data: error.data },
    }),
  );

const NO_SIGNAL = new AbortController().signal;

/** One lane call of tool `name`, settled either way. */
const laneCall = (
  { ordered }: Upstream,
  name: string,
  { signal = NO_SIGNAL, timeout = 5000 }: { signal?: AbortSignal; timeout?: number } = {},
) => settled(ordered.lane.request('tools/call', { name }, { signal, timeout }, checkedToolResult));

describe('UpstreamLane', () => {
  it.each([...Object.keys(ANSWERS), 'fails'])(
    'answers `%s` exactly as the Client’s request with CallToolResultSchema does',
    async (name) => {
      const up = await upstream();
      const bySdk = await settled(
        up.client.request({ method: 'tools/call', params: { name } }, CallToolResultSchema, {
          timeout: 5000,
        }),
      );
      const byLane = await laneCall(up, name);
      expect(byLane).toEqual(bySdk);
    },
  );

  it('passes progress on in order before the result, with the lane’s own token', async () => {
    const { ordered } = await upstream();
    const seen: number[] = [];
    const result = await ordered.lane.request(
      'tools/call',
      { name: 'progress', _meta: { keep: true } },
      { signal: NO_SIGNAL, timeout: 5000, onprogress: (p) => seen.push(p.progress) },
      (r) => {
        seen.push(0);
        return r;
      },
    );
    expect(seen).toEqual([1, 2, 3, 0]);
    expect(result).toEqual(ANSWERS.text);
  });

  it('cancels upstream and rejects with the signal’s reason when the caller aborts', async () => {
    const { ordered, cancelled } = await upstream();
    const controller = new AbortController();
    const call = settled(
      ordered.lane.request(
        'tools/call',
        { name: 'hangs' },
        { signal: controller.signal, timeout: 5000 },
        checkedToolResult,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('caller gave up'));
    expect(await call).toMatchObject({ error: { message: 'caller gave up' } });
    await expect.poll(() => cancelled.length).toBe(1);
    expect(String(cancelled[0])).toContain('caller gave up');
  });

  it('times out as the Client does (-32001, "Request timed out") and cancels upstream', async () => {
    const up = await upstream();
    const { cancelled } = up;
    const outcome = await laneCall(up, 'hangs', { timeout: 30 });
    expect(outcome).toMatchObject({ error: { code: -32001, data: { timeout: 30 } } });
    expect((outcome as { error: { message: string } }).error.message).toContain('Request timed out');
    await expect.poll(() => cancelled.length).toBe(1);
  });

  it('fails every waiting request with ConnectionClosed when the connection ends; later requests too', async () => {
    const up = await upstream();
    const waiting = laneCall(up, 'hangs');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await up.close();
    expect(await waiting).toMatchObject({ error: { code: -32000 } });
    expect(JSON.stringify(await waiting)).toContain('Connection closed');
    const later = await laneCall(up, 'text');
    expect(later).toMatchObject({ error: { code: -32000 } });
  });

  it('fails a call whose result _meta is not an object at once, on the lane and on the Client alike', async () => {
    const up = await upstream();
    const byLane = await laneCall(up, 'result _meta a number');
    expect(JSON.stringify(byLane)).toContain('result._meta: expected object');
    // The SDK's own reader would drop this answer and leave the Client waiting for its timeout.
    const bySdk = await settled(
      up.client.request(
        { method: 'tools/call', params: { name: 'result _meta a number' } },
        CallToolResultSchema,
        {
          timeout: 600_000,
        },
      ),
    );
    expect(bySdk).toMatchObject({ error: { code: -32603 } });
    expect(JSON.stringify(bySdk)).toContain('result._meta: expected object');
  });

  it('tells its sender to let go of a request it cancels or gives up waiting for', async () => {
    const abandoned: string[] = [];
    const lane = new UpstreamLane(InMemoryTransport.createLinkedPair()[0], {
      send: () => Promise.resolve(),
      abandon: (id) => abandoned.push(id),
      close: () => undefined,
    });
    const controller = new AbortController();
    const cancelled = lane.request('tools/call', {}, { signal: controller.signal, timeout: 5000 }, (r) => r);
    const timedOut = lane.request('tools/call', {}, { signal: NO_SIGNAL, timeout: 10 }, (r) => r);
    controller.abort(new Error('stop'));
    await Promise.allSettled([cancelled, timedOut]);
    expect(abandoned).toEqual(['mcpmw-1', 'mcpmw-2']);
  });

  it('keeps log lines and progress in the order the upstream wrote them, the result last', async () => {
    const { client, ordered } = await upstream();
    const seen: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      seen.push(String(n.params.data));
    });
    await ordered.lane.request(
      'tools/call',
      { name: 'logs and progress' },
      { signal: NO_SIGNAL, timeout: 5000, onprogress: (p) => seen.push(`progress ${p.progress}`) },
      (r) => {
        seen.push('result');
        return r;
      },
    );
    expect(seen).toEqual(['log 1', 'progress 1', 'log 2', 'progress 2', 'result']);
  });

  it('leaves the Client’s own requests and progress alone on the same connection', async () => {
    const { client, ordered } = await upstream();
    const seen: number[] = [];
    const [sdk, lane] = await Promise.all([
      client.request({ method: 'tools/call', params: { name: 'progress' } }, CallToolResultSchema, {
        onprogress: (p) => seen.push(p.progress),
      }),
      ordered.lane.request(
        'tools/call',
        { name: 'image' },
        { signal: NO_SIGNAL, timeout: 5000 },
        checkedToolResult,
      ),
    ]);
    expect(seen).toEqual([1, 2, 3]);
    expect(sdk).toEqual(ANSWERS.text);
    expect(lane).toEqual(ANSWERS.image);
  });
});
