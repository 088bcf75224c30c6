import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { ConfigError } from '@mcp-middleware/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bridgedCapabilities, MrtrBridge, type BridgeRound } from './mrtr-bridge.js';
import type { UpstreamConnection } from './upstream.js';

/** A step an upstream tool (or the opening of a session) waits on until the test releases it. */
class Gate {
  readonly #waiting: (() => void)[] = [];
  #released = 0;

  wait(): Promise<void> {
    if (this.#released > 0) {
      this.#released -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => void this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#released += 1;
    else next();
  }
}

/** The gates the upstream's tools wait on, by tool (and `open` for opening a session). */
const gates = (): Record<'slow' | 'late' | 'wait' | 'open', Gate> => ({
  slow: new Gate(),
  late: new Gate(),
  wait: new Gate(),
  open: new Gate(),
});
type Gates = ReturnType<typeof gates>;

/** `bridge.start`, for a call the test expects to be bridged (it fails the test if a cap declined it). */
function started(
  bridge: MrtrBridge,
  ...args: Parameters<MrtrBridge['start']>
): Promise<Record<string, unknown>> {
  const call = bridge.start(...args);
  if (call === undefined) throw new Error('the bridge declined the call (a cap is reached)');
  return call;
}

const schema = { type: 'object' as const, properties: {} };

function upstreamServer(saw: string[], gate: Gates): McpServer {
  const server = new McpServer({ name: 'asking', version: '1.0.0' });
  server.registerTool('ask', {}, async (extra) => {
    try {
      const [first, second] = await Promise.all([
        server.server.elicitInput({ message: 'one', requestedSchema: schema }),
        server.server.elicitInput({ message: 'two', requestedSchema: schema }),
      ]);
      return { content: [{ type: 'text', text: `${first.action} ${second.action}` }] };
    } catch (error) {
      saw.push(`refused: ${(error as Error).message}`);
      return { content: [{ type: 'text', text: extra.signal.aborted ? 'cancelled' : 'failed' }] };
    }
  });
  // Reports progress at each step the test releases: the round's wait runs from the last one.
  server.registerTool('slow', {}, async (extra) => {
    const progressToken = extra._meta?.progressToken ?? 'none';
    for (let step = 0; step <= 3; step++) {
      if (step > 0) await gate.slow.wait();
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: step },
      });
    }
    return { content: [{ type: 'text', text: 'slow done' }] };
  });
  // Answers at once, and asks the client something once the test releases it: after its call ended.
  server.registerTool('late', {}, () => {
    void gate.late.wait().then(() =>
      server.server.elicitInput({ message: 'a previous call asks', requestedSchema: schema }).then(
        () => saw.push('late answered'),
        (error: unknown) => saw.push(`late refused: ${(error as Error).message}`),
      ),
    );
    return { content: [{ type: 'text', text: 'late done' }] };
  });
  server.registerTool('wait', {}, async () => {
    saw.push('waiting');
    await gate.wait.wait();
    saw.push('ran');
    return { content: [{ type: 'text', text: 'waited' }] };
  });
  server.server.onclose = () => void saw.push('closed');
  return server;
}

/** Opens real upstream sessions in memory; `saw` hears their ends and how their requests to the client ended. */
const opener =
  (saw: string[], gate = gates(), opening = false) =>
  async (capabilities: ClientCapabilities): Promise<UpstreamConnection> => {
    if (opening) await gate.open.wait();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await upstreamServer(saw, gate).connect(serverSide);
    const client = new Client({ name: 'gateway', version: '1.0.0' }, { capabilities });
    await client.connect(clientSide);
    return {
      client,
      lane: undefined,
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
const BOTH = { r1: { action: 'accept' }, r2: { action: 'accept' } };
/** The client's retry of `call` with the `requestState` it got and its `inputResponses`. */
const retry = (
  requestState: unknown,
  inputResponses: object,
  call: object = CALL,
): Record<string, unknown> => ({
  ...call,
  requestState,
  inputResponses,
});
const INVALID_STATE = { code: -32602, data: { reason: 'invalid_request_state' } };

afterEach(() => {
  vi.useRealTimers();
});

describe('MrtrBridge', () => {
  it('hands out what the upstream asks at once in one input_required, keyed, with a requestState', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const asked = await started(bridge, 'tools/call', CALL, ELICIT, round('p1'));
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

  it('asks again for what the retry left unanswered, then completes and closes its session', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const first = await started(bridge, 'tools/call', CALL, ELICIT, round());
    const again = await bridge.resume(
      'tools/call',
      retry(first['requestState'], { r1: { action: 'accept', content: {} } }),
      round(),
    );
    expect(Object.keys(again['inputRequests'] as object)).toEqual(['r2']);
    const done = await bridge.resume(
      'tools/call',
      retry(again['requestState'], { r2: { action: 'decline' } }),
      round(),
    );
    expect(done).toMatchObject({ content: [{ type: 'text', text: 'accept decline' }] });
    expect([bridge.held, bridge.open]).toEqual([0, 0]);
    await vi.waitFor(() => expect(saw).toEqual(['closed']));
  });

  it('resumes a held call only for the caller it was issued to, and only once', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const first = await started(bridge, 'tools/call', CALL, ELICIT, round('p1'));
    const state = first['requestState'];
    await expect(bridge.resume('tools/call', retry(state, {}), round('p2'))).rejects.toMatchObject(
      INVALID_STATE,
    );
    await expect(bridge.resume('tools/call', retry(state, {}), round())).rejects.toMatchObject(INVALID_STATE);
    const next = await bridge.resume('tools/call', retry(state, {}), round('p1'));
    await expect(bridge.resume('tools/call', retry(state, {}), round('p1'))).rejects.toMatchObject(
      INVALID_STATE,
    );
    await bridge.resume('tools/call', retry(next['requestState'], BOTH), round('p1'));
    expect(bridge.held).toBe(0);
  });

  it('resumes a held call only with the tool name and arguments it was issued for, in any key order', async () => {
    const bridge = new MrtrBridge(opener([]));
    const call = { name: 'ask', arguments: { repo: 'a', options: { force: true, depth: [1, 2] } } };
    const first = await started(bridge, 'tools/call', call, ELICIT, round('p1'));
    const state = first['requestState'];
    const otherTool = retry(state, BOTH, { ...call, name: 'echo' });
    await expect(bridge.resume('tools/call', otherTool, round('p1'))).rejects.toMatchObject(INVALID_STATE);
    await expect(bridge.resume('tools/call', otherTool, round('p1'))).rejects.toThrow(
      /issued for another method, tool or prompt name, resource URI or other arguments/,
    );
    const otherArgs = { name: 'ask', arguments: { repo: 'b', options: { force: true, depth: [1, 2] } } };
    await expect(
      bridge.resume('tools/call', retry(state, BOTH, otherArgs), round('p1')),
    ).rejects.toMatchObject(INVALID_STATE);
    const noArgs = retry(state, BOTH, { name: 'ask' });
    await expect(bridge.resume('tools/call', noArgs, round('p1'))).rejects.toMatchObject(INVALID_STATE);
    const reordered = { name: 'ask', arguments: { options: { depth: [1, 2], force: true }, repo: 'a' } };
    const done = await bridge.resume('tools/call', retry(state, BOTH, reordered), round('p1'));
    expect(done).toMatchObject({ content: [{ type: 'text', text: 'accept accept' }] });
  });

  it('declines a call past maxCallsPerPrincipal or maxCalls without opening a session, until one ends', async () => {
    let opened = 0;
    const open = opener([]);
    const bridge = new MrtrBridge(
      (capabilities) => {
        opened += 1;
        return open(capabilities);
      },
      { maxCallsPerPrincipal: 1, maxCalls: 2 },
    );
    const first = await started(bridge, 'tools/call', CALL, ELICIT, round('p1'));
    expect(bridge.start('tools/call', CALL, ELICIT, round('p1'))).toBeUndefined();
    await started(bridge, 'tools/call', CALL, ELICIT, round('p2'));
    expect(bridge.start('tools/call', CALL, ELICIT, round())).toBeUndefined();
    expect([opened, bridge.open]).toEqual([2, 2]);
    await bridge.resume('tools/call', retry(first['requestState'], BOTH), round('p1'));
    await started(bridge, 'tools/call', CALL, ELICIT, round('p1'));
    expect([opened, bridge.open, bridge.held]).toEqual([3, 2, 2]);
    await bridge.close();
    expect(bridge.open).toBe(0);
  });

  it('refuses limits that are not positive integers when it is made', () => {
    expect(() => new MrtrBridge(opener([]), { maxCalls: -1 })).toThrow(ConfigError);
  });

  it("never hands a request an ended call sends late to the next call, even the same caller's", async () => {
    const saw: string[] = [];
    const gate = gates();
    let opened = 0;
    const open = opener(saw, gate);
    const bridge = new MrtrBridge((capabilities) => {
      opened += 1;
      return open(capabilities);
    });
    const first = await started(bridge, 'tools/call', { name: 'late' }, ELICIT, round());
    expect(first).toMatchObject({ content: [{ type: 'text', text: 'late done' }] });
    const second = started(bridge, 'tools/call', { name: 'wait' }, ELICIT, round());
    await vi.waitFor(() => expect(saw).toContain('waiting'));
    gate.late.release();
    await vi.waitFor(() => expect(saw.some((s) => s.startsWith('late refused'))).toBe(true));
    gate.wait.release();
    expect(await second).toMatchObject({ content: [{ type: 'text', text: 'waited' }] });
    expect(opened).toBe(2);
  });

  it('cancels a call held past its time: the upstream hears refusals, the session ends, nothing stays', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const first = await started(bridge, 'tools/call', CALL, ELICIT, round(undefined, 50));
    await vi.waitFor(() => expect(saw).toHaveLength(2));
    expect(saw).toContain('closed');
    expect(saw.find((s) => s.startsWith('refused'))).toMatch(/did not answer within 50 ms/);
    expect([bridge.held, bridge.open]).toEqual([0, 0]);
    await expect(
      bridge.resume('tools/call', retry(first['requestState'], {}), round()),
    ).rejects.toMatchObject(INVALID_STATE);
  });

  it("lets the upstream's progress extend a round's wait, and relays it", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const gate = gates();
    const bridge = new MrtrBridge(opener([], gate));
    const heard: number[] = [];
    let progressed = (): void => undefined;
    const onprogress = (progress: { progress: number }): void => {
      heard.push(progress.progress);
      progressed();
    };
    const next = (): Promise<void> => new Promise((resolve) => (progressed = resolve));
    let step = next();
    const done = started(bridge, 'tools/call', { name: 'slow' }, ELICIT, {
      ...round(undefined, 1000),
      onprogress,
    });
    await step;
    // Three times most of a round's wait, well past it in all: each progress starts the wait anew.
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(900);
      step = next();
      gate.slow.release();
      await step;
    }
    expect(await done).toMatchObject({ content: [{ type: 'text', text: 'slow done' }] });
    expect(heard).toEqual([0, 1, 2, 3]);
  });

  it('ends a round the upstream leaves without progress for its timeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw, gates()));
    let progressed = (): void => undefined;
    const first = new Promise<void>((resolve) => (progressed = resolve));
    const done = started(bridge, 'tools/call', { name: 'slow' }, ELICIT, {
      ...round(undefined, 1000),
      onprogress: () => progressed(),
    });
    const outcome = expect(done).rejects.toMatchObject({ code: -32001 });
    await first;
    await vi.advanceTimersByTimeAsync(1000);
    await outcome;
    expect(bridge.open).toBe(0);
  });

  it('cancels the call upstream when the client gives up on a round', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const first = await started(bridge, 'tools/call', CALL, ELICIT, round());
    const gone = new AbortController();
    gone.abort(new Error('the client went away'));
    const waiting = bridge.resume('tools/call', retry(first['requestState'], BOTH), {
      ...round(),
      signal: gone.signal,
    });
    await expect(waiting).rejects.toThrow('the client went away');
    await vi.waitFor(() => expect(saw).toContain('closed'));
    expect([bridge.held, bridge.open]).toEqual([0, 0]);
  });

  it('never runs the tool for a client gone while its session opened, and closes that session', async () => {
    const saw: string[] = [];
    const bridge = new MrtrBridge(opener(saw));
    const gone = new AbortController();
    gone.abort(new Error('the client went away'));
    const call = started(bridge, 'tools/call', { name: 'wait' }, ELICIT, { ...round(), signal: gone.signal });
    await expect(call).rejects.toThrow('the client went away');
    await vi.waitFor(() => expect(saw).toContain('closed'));
    expect(saw).not.toContain('waiting');
    expect(bridge.open).toBe(0);
  });

  it('on close, ends a call whose round is running, and keeps nothing it ends with', async () => {
    const saw: string[] = [];
    const gate = gates();
    const bridge = new MrtrBridge(opener(saw, gate));
    const running = started(bridge, 'tools/call', { name: 'wait' }, ELICIT, round());
    const outcome = expect(running).rejects.toThrow();
    await vi.waitFor(() => expect(saw).toContain('waiting'));
    await bridge.close();
    gate.wait.release();
    await outcome;
    await vi.waitFor(() => expect(saw).toContain('closed'));
    expect([bridge.open, bridge.held]).toEqual([0, 0]);
  });

  it('on close, refuses a call whose session was still opening, without running it', async () => {
    const saw: string[] = [];
    const gate = gates();
    const bridge = new MrtrBridge(opener(saw, gate, true));
    const opening = started(bridge, 'tools/call', { name: 'wait' }, ELICIT, round());
    const outcome = expect(opening).rejects.toThrow('the gateway is shutting down');
    await bridge.close();
    gate.open.release();
    await outcome;
    await vi.waitFor(() => expect(saw).toContain('closed'));
    expect(saw).not.toContain('waiting');
    await expect(started(bridge, 'tools/call', CALL, ELICIT, round())).rejects.toThrow(
      'the gateway is shutting down',
    );
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
