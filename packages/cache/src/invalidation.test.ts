import { EventChannel, principalKey, type CallToolResult, type ToolContext } from '@mcp-middleware/core';
import { createTestContext, manualClock, stubHandler, textResult } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { cache } from './cache.js';
import type { CacheOptions } from './options.js';

const clock = manualClock();
const events = new EventChannel();

function call(tool: string, who?: string): ToolContext {
  const ctx = createTestContext({
    tool: { name: tool, annotations: { readOnlyHint: tool.startsWith('read') } },
    args: {},
    clock,
    events,
  });
  if (who !== undefined) ctx.set(principalKey, { id: who, source: 'jwt', scopes: [], roles: [], claims: {} });
  return ctx;
}

// A server whose state is one counter: every write increments it, every read answers it.
function server(): { read: ReturnType<typeof stubHandler>; write: ReturnType<typeof stubHandler> } {
  let state = 0;
  return {
    read: stubHandler(() => textResult(`state ${state}`)),
    write: stubHandler(() => {
      state++;
      return textResult('written');
    }),
  };
}

const text = (result: CallToolResult): unknown => (result.content[0] as { text?: unknown }).text;

async function sequence(options: CacheOptions, reader: string, writer: string, readTool = 'read_graph') {
  const mw = cache(options);
  const s = server();
  await mw(call(readTool, reader), s.read);
  await mw(call('create_entities', writer), s.write);
  return text(await mw(call(readTool, reader), s.read));
}

describe('cache invalidation by writes', () => {
  it('serves the fresh state to the principal who wrote', async () => {
    expect(await sequence({}, 'alice', 'alice')).toBe('state 1');
  });

  it('serves the fresh state to an anonymous caller who wrote', async () => {
    const mw = cache();
    const s = server();
    await mw(call('read_graph'), s.read);
    await mw(call('create_entities'), s.write);
    expect(text(await mw(call('read_graph'), s.read))).toBe('state 1');
  });

  it("keeps another principal's cached reads by default", async () => {
    expect(await sequence({}, 'bob', 'alice')).toBe('state 0');
  });

  it("invalidates every principal's reads with invalidateOnWrite: 'all'", async () => {
    expect(await sequence({ invalidateOnWrite: 'all' }, 'bob', 'alice')).toBe('state 1');
  });

  it("invalidates shared reads on any principal's write", async () => {
    expect(await sequence({ scope: 'shared' }, 'bob', 'alice')).toBe('state 1');
  });

  it("invalidates nothing with invalidateOnWrite: 'none'", async () => {
    expect(await sequence({ invalidateOnWrite: 'none' }, 'alice', 'alice')).toBe('state 0');
  });

  it('invalidates only the reads a write tool declares', async () => {
    const options = { invalidates: { 'create_*': ['read_graph'] } };
    expect(await sequence(options, 'alice', 'alice', 'read_graph')).toBe('state 1');
    expect(await sequence(options, 'alice', 'alice', 'read_other')).toBe('state 0');
  });

  it('invalidates after a write that failed too', async () => {
    const mw = cache();
    const s = server();
    await mw(call('read_graph', 'alice'), s.read);
    await mw(call('create_entities', 'alice'), s.write);
    const failing = stubHandler(() => {
      throw new Error('half written');
    });
    await mw(call('read_graph', 'alice'), s.read);
    await expect(mw(call('create_entities', 'alice'), failing)).rejects.toThrow('half written');
    expect(s.read.calls).toHaveLength(2);
    await mw(call('read_graph', 'alice'), s.read);
    expect(s.read.calls).toHaveLength(3);
  });

  it('does not store a read that was in flight when a write settled', async () => {
    const mw = cache();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let state = 0;
    const slowRead = stubHandler(async () => {
      const seen = state;
      await gate;
      return textResult(`state ${seen}`);
    });
    const inFlight = mw(call('read_graph', 'alice'), slowRead);
    await mw(
      call('create_entities', 'alice'),
      stubHandler(() => {
        state++;
        return textResult('written');
      }),
    );
    release();
    await inFlight;
    expect(
      text(
        await mw(
          call('read_graph', 'alice'),
          stubHandler(() => textResult(`state ${state}`)),
        ),
      ),
    ).toBe('state 1');
  });

  it('rejects a bad invalidateOnWrite or invalidates when the factory runs', () => {
    expect(() => cache({ invalidateOnWrite: 'sometimes' as never })).toThrow(/invalidateOnWrite/);
    expect(() => cache({ invalidates: { x: 'read_*' as never } })).toThrow(/invalidates\.x/);
  });
});

describe('the README example', () => {
  it('builds a cache that invalidates every partition and declares what create_entities changes', () => {
    const middleware = cache({
      invalidateOnWrite: 'all',
      invalidates: { create_entities: ['read_graph', 'search_nodes'] },
    });
    expect(typeof middleware).toBe('function');
  });
});
