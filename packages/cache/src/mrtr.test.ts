/**
 * The cache and 2026-07-28 multi-round requests (MRTR): a round that carries `inputResponses` or
 * `requestState` is one caller's own (never a hit, never joined, never stored), and an `input_required`
 * answer is never handed to anyone but the caller whose round it answers.
 */
import {
  createToolRunner,
  type CallToolResult,
  type MiddlewareEvent,
  type RequestContext,
  type Result,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { manualClock, textResult } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { cache } from './cache.js';
import type { CacheOptions } from './options.js';

const search: ToolInfo = Object.freeze({ name: 'search', annotations: { readOnlyHint: true } });
const URI = 'notes://1';
type Operation = 'tools/call' | 'resources/read';
type Params = Readonly<Record<string, unknown>>;

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

let requestIds = 0;
// Anonymous callers: every one of them shares the anonymous partition, the case the defect was found in.
const anonymous = (): ToolExtra =>
  ({
    signal: new AbortController().signal,
    requestId: ++requestIds,
    sendNotification: () => Promise.resolve(),
    sendRequest: () => Promise.reject(new Error('unused')),
  }) as unknown as ToolExtra;

type Answer = (ctx: RequestContext) => CallToolResult | Promise<CallToolResult>;

/** The real runner around cache(), for either operation, counting handler runs. */
function pipeline(operation: Operation, options: CacheOptions = {}) {
  const clock = manualClock();
  const middleware = cache({ ...options, operations: [operation] });
  const runner = createToolRunner([middleware], { clock, debug: false });
  const events: string[] = [];
  runner.events.subscribe((event: MiddlewareEvent) => {
    if (event.type === 'cache')
      events.push(event.reason === undefined ? event.result : `${event.result}:${event.reason}`);
  });
  let runs = 0;
  const send = (round: Params, answer: Answer): Promise<Result> => {
    const counted = (ctx: RequestContext): Promise<CallToolResult> => {
      runs++;
      return Promise.resolve(answer(ctx));
    };
    if (operation === 'tools/call') {
      const params = { name: search.name, arguments: { q: 'x' }, ...round };
      return runner.call(search, params, anonymous(), counted);
    }
    return runner.request('resources/read', { uri: URI, ...round }, URI, anonymous(), counted);
  };
  return { send, clock, events, runs: () => runs };
}

// What a handler answers: built from the round's own input, so a shared answer shows.
const ownAnswer: Answer = (ctx) =>
  textResult(
    `input:${JSON.stringify(ctx.params?.inputResponses ?? null)} state:${String(ctx.params?.requestState ?? null)}`,
  );
const textOf = (result: Result): string => ((result as CallToolResult).content[0] as { text: string }).text;
const expected = (round: Params): string =>
  `input:${JSON.stringify(round.inputResponses ?? null)} state:${String(round.requestState ?? null)}`;

const ROUNDS: Record<string, (who: string) => Params> = {
  inputResponses: (who) => ({ inputResponses: { ask: { action: 'accept', content: { who } } } }),
  requestState: (who) => ({ requestState: `state-of-${who}` }),
  both: (who) => ({
    inputResponses: { ask: { action: 'accept', content: { who } } },
    requestState: `state-of-${who}`,
  }),
};
const OPERATIONS: Operation[] = ['tools/call', 'resources/read'];
const CASES = OPERATIONS.flatMap((operation) =>
  Object.keys(ROUNDS).map((fields) => ({
    operation,
    fields,
    round: ROUNDS[fields] as (who: string) => Params,
  })),
);

describe("cache: a round that carries MRTR fields is its caller's own", () => {
  it.each(CASES)(
    '$operation with $fields: would hit, yet runs and is never stored',
    async ({ operation, round }) => {
      const p = pipeline(operation);
      expect(textOf(await p.send({}, ownAnswer))).toBe(expected({}));
      const mine = round('alice');
      expect(textOf(await p.send(mine, ownAnswer))).toBe(expected(mine));
      expect(p.runs()).toBe(2);
      // The plain call still hits the first answer: the round's answer was not stored over it.
      expect(textOf(await p.send({}, ownAnswer))).toBe(expected({}));
      expect(p.runs()).toBe(2);
      expect(p.events).toEqual(['miss', 'hit']);
    },
  );

  it.each(CASES)(
    '$operation with $fields: would join, yet each round runs alone',
    async ({ operation, round }) => {
      const p = pipeline(operation);
      const open = gate();
      const slow: Answer = async (ctx) => {
        await open.promise;
        return ownAnswer(ctx);
      };
      const plain = p.send({}, slow);
      const rounds = [round('alice'), round('bob')];
      const answers = rounds.map((r) => p.send(r, slow));
      // A plain call arriving after the rounds joins the plain flight, none of the rounds.
      const later = p.send({}, slow);
      open.open();
      expect(textOf(await plain)).toBe(expected({}));
      expect(textOf(await later)).toBe(expected({}));
      expect((await Promise.all(answers)).map(textOf)).toEqual(rounds.map(expected));
      expect(p.runs()).toBe(3);
      // Nothing a round answered was stored: the next plain call hits the plain answer.
      expect(textOf(await p.send({}, ownAnswer))).toBe(expected({}));
      expect(p.runs()).toBe(3);
    },
  );
});

// An input_required answer naming the caller's own request (its requestId), as a server's state would.
const askOwn: Answer = (ctx) =>
  ({
    resultType: 'input_required',
    inputRequests: { ask: { method: 'elicitation/create', params: { message: 'who?' } } },
    requestState: `state-for-request-${String(ctx.extra.requestId)}`,
  }) as unknown as CallToolResult;
const stateOf = (result: Result): unknown => (result as { requestState?: unknown }).requestState;

describe('cache: an input_required answer belongs to the round it answers', () => {
  it.each(OPERATIONS)('%s: every caller who joined the flight runs its own round', async (operation) => {
    const p = pipeline(operation);
    const open = gate();
    const slow: Answer = async (ctx) => {
      await open.promise;
      return askOwn(ctx);
    };
    const before = requestIds;
    const waiting = [p.send({}, slow), p.send({}, slow), p.send({}, slow)];
    open.open();
    const states = (await Promise.all(waiting)).map(stateOf);
    expect(states).toEqual([1, 2, 3].map((n) => `state-for-request-${before + n}`));
    expect(p.runs()).toBe(3);
    expect(p.events).toEqual(['miss', 'miss:inflight', 'miss:inflight']);
  });

  it.each(OPERATIONS)('%s: joined callers get a shared complete answer as before', async (operation) => {
    const p = pipeline(operation);
    const open = gate();
    const slow: Answer = async (ctx) => {
      await open.promise;
      return ownAnswer(ctx);
    };
    const waiting = [p.send({}, slow), p.send({}, slow)];
    open.open();
    expect((await Promise.all(waiting)).map(textOf)).toEqual([expected({}), expected({})]);
    expect(p.runs()).toBe(1);
  });

  it.each(OPERATIONS)(
    '%s: a background refresh that asks for input keeps the stale answer',
    async (operation) => {
      const p = pipeline(operation, { ttlMs: 1000, staleWhileRevalidateMs: 5000 });
      await p.send({}, ownAnswer);
      await p.clock.advance(1500);
      const stale = await p.send({}, askOwn);
      expect(textOf(stale)).toBe(expected({}));
      // The refresh runs on the next tick of the pipeline's clock and answers input_required.
      await p.clock.advance(0);
      expect(p.runs()).toBe(2);
      const again = await p.send({}, askOwn);
      expect(textOf(again)).toBe(expected({}));
      expect(stateOf(again)).toBeUndefined();
    },
  );
});
