// cache() and the 2026-07-28 Tasks extension (io.modelcontextprotocol/tasks): a call whose client declared
// the extension may be answered with a task of its own, so it is never a hit and never joined; a task handle
// (`resultType: "task"`) is never stored, whoever asked.
import {
  createToolRunner,
  type CallToolResult,
  type MiddlewareEvent,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { manualClock, textResult } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { cache } from './cache.js';

const readOnly: ToolInfo = Object.freeze({ name: 'search', annotations: { readOnlyHint: true } });
const params = { name: 'search', arguments: { q: 'x' } };
const DECLARES_TASKS = {
  'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
};

let requestId = 0;
const extra = (meta?: Record<string, unknown>): ToolExtra =>
  ({
    signal: new AbortController().signal,
    requestId: ++requestId,
    ...(meta !== undefined && { _meta: meta }),
  }) as unknown as ToolExtra;

function setup(): {
  call: (meta?: Record<string, unknown>) => Promise<CallToolResult>;
  events: string[];
} {
  const runner = createToolRunner([cache()], { clock: manualClock(), debug: false });
  const events: string[] = [];
  runner.events.subscribe((event: MiddlewareEvent) => {
    if (event.type.startsWith('cache')) events.push(event.type);
  });
  let created = 0;
  const createTask = (): Promise<CallToolResult> =>
    Promise.resolve({ resultType: 'task', taskId: `t${++created}`, status: 'working' } as never);
  return { call: (meta) => runner.call(readOnly, params, extra(meta), createTask), events };
}

const idOf = (result: CallToolResult): unknown => (result as { taskId?: unknown }).taskId;

describe('cache: 2026-07-28 calls that may create a task', () => {
  it('passes every call whose client declared the Tasks extension to the handler: never a hit, never joined', async () => {
    const { call, events } = setup();
    const both = await Promise.all([call(DECLARES_TASKS), call(DECLARES_TASKS)]);
    const third = await call(DECLARES_TASKS);
    expect([...both, third].map(idOf)).toEqual(['t1', 't2', 't3']);
    expect(events).toEqual([]);
  });

  it('never stores a task handle, even for a call that did not declare the extension', async () => {
    const { call, events } = setup();
    expect(idOf(await call())).toBe('t1');
    expect(idOf(await call())).toBe('t2');
    expect(events).toEqual(['cache', 'cache']);
  });

  it('still caches a complete answer to a call without the extension', async () => {
    const runner = createToolRunner([cache()], { clock: manualClock(), debug: false });
    let n = 0;
    const answer = (): Promise<CallToolResult> => Promise.resolve(textResult(`#${++n}`));
    await runner.call(readOnly, params, extra(), answer);
    const again = await runner.call(readOnly, params, extra(), answer);
    expect(again.content).toEqual([{ type: 'text', text: '#1' }]);
  });
});
