import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it, vi } from 'vitest';
import { bridgedCapabilities, MrtrBridge, type BridgeRound } from './mrtr-bridge.js';
import type { UpstreamConnection } from './upstream.js';

function upstreamServer(saw: string[]): McpServer {
  const server = new McpServer({ name: 'asking', version: '1.0.0' });
  server.registerTool('ask', {}, async (extra) => {
    try {
      const [first, second] = await Promise.all([
        server.server.elicitInput({ message: 'one', requestedSchema: { type: 'object', properties: {} } }),
        server.server.elicitInput({ message: 'two', requestedSchema: { type: 'object', properties: {} } }),
      ]);
      return { content: [{ type: 'text', text: `${first.action} ${second.action}` }] };
    } catch (error) {
      saw.push(`refused: ${(error as Error).message}`);
      return { content: [{ type: 'text', text: extra.signal.aborted ? 'cancelled' : 'failed' }] };
    }
  });
  // Works longer than a round may wait, reporting progress far more often than that.
  server.registerTool('slow', {}, async (extra) => {
    const progressToken = extra._meta?.progressToken;
    for (let step = 1; step <= 25 && progressToken !== undefined; step++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: step },
      });
    }
    return { content: [{ type: 'text', text: 'slow done' }] };
  });
  server.server.onclose = () => void saw.push('closed');
  return server;
}

/** Opens real upstream sessions in memory; `saw` hears their ends and how their requests to the client ended. */
const opener =
  (saw: string[]) =>
  async (capabilities: ClientCapabilities): Promise<UpstreamConnection> => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await upstreamServer(saw).connect(serverSide);
    const client = new Client({ name: 'gateway', version: '1.0.0' }, { capabilities });
    await client.connect(clientSide);
    return {
      client,
      capabilities: client.getServerCapabilities() ?? {},
      serverInfo: { name: 'asking', version: '1.0.0' },
      instructions: undefined,
      declared: capabilities,
      onlost: undefined,
      close: () => client.close(),
    };
  };

const ELICIT = { elicitation: { form: {} } };
// A caller named by its OAuth client, as `principalIdOf` reads a context without a principal from auth().
const round = (client?: string, timeoutMs = 5000): BridgeRound => ({
  caller: client === undefined ? undefined : { get: () => undefined, authInfo: { clientId: client } },
  signal: new AbortController().signal,
  timeoutMs,
});
const CALL = { name: 'ask', arguments: {} };

describe('MrtrBridge', () => {
  it('hands out what the upstream asks at once in one input_required, keyed, with a requestState', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const asked = await bridge.start(CALL, ELICIT, round('p1'));
    expect(asked).toMatchObject({
      resultType: 'input_required',
      inputRequests: {
        r1: { method: 'elicitation/create', params: { message: 'one' } },
        r2: { method: 'elicitation/create', params: { message: 'two' } },
      },
    });
    expect(asked['requestState']).toMatch(/^[\w-]{32}$/);
    expect(bridge.held).toBe(1);
    await bridge.close();
  });

  it('asks again for what the retry left unanswered, then completes and keeps the session idle', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const first = await bridge.start(CALL, ELICIT, round());
    const again = await bridge.resume(
      first['requestState'],
      { r1: { action: 'accept', content: {} } },
      round(),
    );
    expect(Object.keys(again['inputRequests'] as object)).toEqual(['r2']);
    const done = await bridge.resume(again['requestState'], { r2: { action: 'decline' } }, round());
    expect(done).toMatchObject({ content: [{ type: 'text', text: 'accept decline' }] });
    expect([bridge.held, bridge.idle]).toEqual([0, 1]);
    await bridge.close();
    await vi.waitFor(() => expect(saw).toEqual(['closed']));
  });

  it('reuses an idle session for the same caller and capabilities only', async () => {
    const opened: string[] = [];
    const open = opener([]);
    const bridge = new MrtrBridge((capabilities) => {
      opened.push(Object.keys(capabilities).join());
      return open(capabilities);
    });
    const finish = async (principal: string, capabilities: ClientCapabilities): Promise<void> => {
      const first = await bridge.start(CALL, capabilities, round(principal));
      const answers = { r1: { action: 'accept' }, r2: { action: 'accept' } };
      await bridge.resume(first['requestState'], answers, round(principal));
    };
    await finish('p1', ELICIT);
    await finish('p1', ELICIT);
    await finish('p2', ELICIT);
    await finish('p1', { ...ELICIT, sampling: {} });
    expect(opened).toEqual(['elicitation', 'elicitation', 'elicitation,sampling']);
    expect(bridge.idle).toBe(3);
    await bridge.close();
    expect(bridge.idle).toBe(0);
  });

  it('resumes a held call only for the caller it was issued to, and only once', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const first = await bridge.start(CALL, ELICIT, round('p1'));
    const state = first['requestState'];
    await expect(bridge.resume(state, {}, round('p2'))).rejects.toMatchObject({ code: -32602 });
    await expect(bridge.resume(state, {}, round())).rejects.toMatchObject({ code: -32602 });
    const next = await bridge.resume(state, {}, round('p1'));
    await expect(bridge.resume(state, {}, round('p1'))).rejects.toMatchObject({
      code: -32602,
      data: { reason: 'invalid_request_state' },
    });
    await bridge.resume(
      next['requestState'],
      { r1: { action: 'accept' }, r2: { action: 'accept' } },
      round('p1'),
    );
    expect(bridge.held).toBe(0);
  });

  it('cancels a call held past its time: the upstream hears refusals, the session ends, nothing stays', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const first = await bridge.start(CALL, ELICIT, round(undefined, 50));
    await vi.waitFor(() => expect(saw).toHaveLength(2));
    expect(saw).toContain('closed');
    expect(saw.find((s) => s.startsWith('refused'))).toMatch(/did not answer within 50 ms/);
    expect(bridge.held).toBe(0);
    await expect(bridge.resume(first['requestState'], {}, round())).rejects.toMatchObject({ code: -32602 });
  });

  it("lets the upstream's progress extend a round's wait, and relays it", async () => {
    const bridge = new MrtrBridge(opener([]));
    const heard: number[] = [];
    const onprogress = (progress: { progress: number }): void => void heard.push(progress.progress);
    const done = await bridge.start({ name: 'slow' }, ELICIT, { ...round(undefined, 1000), onprogress });
    expect(done).toMatchObject({ content: [{ type: 'text', text: 'slow done' }] });
    expect(heard).toHaveLength(25);
    await bridge.close();
  });

  it('cancels the call upstream when the client gives up on a round', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const first = await bridge.start(CALL, ELICIT, round());
    const gone = new AbortController();
    gone.abort(new Error('the client went away'));
    const answers = { r1: { action: 'accept' }, r2: { action: 'accept' } };
    const waiting = bridge.resume(first['requestState'], answers, { ...round(), signal: gone.signal });
    await expect(waiting).rejects.toThrow('the client went away');
    await vi.waitFor(() => expect(saw).toContain('closed'));
    expect(bridge.held).toBe(0);
  });
});

describe('bridgedCapabilities', () => {
  it('keeps only sampling, elicitation and roots, and nothing when none was declared', () => {
    expect(bridgedCapabilities({ sampling: {}, roots: { listChanged: true }, experimental: {} })).toEqual({
      sampling: {},
      roots: { listChanged: true },
    });
    expect([
      bridgedCapabilities({ experimental: {} }),
      bridgedCapabilities('x'),
      bridgedCapabilities(undefined),
    ]).toEqual([undefined, undefined, undefined]);
  });
});
