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
import { extraOfV2, type V2Context } from '@mcp-middleware/core/helpers';
import { manualClock, textResult } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { cache } from './cache.js';
import { isInputRound } from './input-round.js';
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
const anonymous = (): ToolExtra => ({
  signal: new AbortController().signal,
  requestId: ++requestIds,
  sendNotification: () => Promise.resolve(),
  sendRequest: () => Promise.reject(new Error('unused')),
});

/**
 * Where a round's MRTR fields travel: in the raw params, or (SDK v2) lifted onto the request context,
 * `mcpReq.inputResponses` and the `mcpReq.requestState()` accessor, which core's v2 extra keeps.
 */
type Carrier = 'params' | 'sdk-v2';
const CARRIERS: Carrier[] = ['params', 'sdk-v2'];

function v2Anonymous(round: Params): ToolExtra {
  const state = round.requestState;
  return extraOfV2({
    mcpReq: {
      id: ++requestIds,
      method: 'tools/call',
      signal: new AbortController().signal,
      notify: () => Promise.resolve(),
      send: () => Promise.reject(new Error('unused')),
      ...(round.inputResponses !== undefined && { inputResponses: round.inputResponses }),
      requestState: () => state,
    },
  } as V2Context);
}

/** The round's fields as the handler reads them, wherever they travelled. */
function roundOf(ctx: RequestContext): Params {
  const extra = ctx.extra as {
    sdkContext?: { mcpReq: { inputResponses?: unknown; requestState(): unknown } };
  };
  const mcpReq = extra.sdkContext?.mcpReq;
  if (mcpReq === undefined) return ctx.params ?? {};
  return { inputResponses: mcpReq.inputResponses, requestState: mcpReq.requestState() };
}

type Answer = (ctx: RequestContext) => CallToolResult | Promise<CallToolResult>;

/** The real runner around cache(), for either operation, counting handler runs. */
function pipeline(operation: Operation, carrier: Carrier = 'params', options: CacheOptions = {}) {
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
    // The terminal of either runner: a tool call's next may be called without a context, never here.
    const counted = (ctx?: RequestContext): Promise<CallToolResult> => {
      runs++;
      return Promise.resolve(answer(ctx as RequestContext));
    };
    const inParams = carrier === 'params' ? round : {};
    const extra = carrier === 'params' ? anonymous() : v2Anonymous(round);
    if (operation === 'tools/call') {
      const params = { name: search.name, arguments: { q: 'x' }, ...inParams };
      return runner.call(search, params, extra, counted);
    }
    return runner.request('resources/read', { uri: URI, ...inParams }, URI, extra, counted);
  };
  return { send, clock, events, runs: () => runs };
}

// What a handler answers: built from the round's own input, so a shared answer shows.
const ownAnswer: Answer = (ctx) => textResult(expected(roundOf(ctx)));
const textOf = (result: Result): string => ((result as CallToolResult).content[0] as { text: string }).text;
function expected(round: Params): string {
  return `input:${JSON.stringify(round.inputResponses ?? null)} state:${JSON.stringify(round.requestState ?? null)}`;
}

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
  CARRIERS.flatMap((carrier) =>
    Object.keys(ROUNDS).map((fields) => ({
      operation,
      carrier,
      fields,
      round: ROUNDS[fields] as (who: string) => Params,
    })),
  ),
);

describe("cache: a round that carries MRTR fields is its caller's own", () => {
  it.each(CASES)(
    '$operation with $fields in $carrier: would hit, yet runs and is never stored',
    async ({ operation, carrier, round }) => {
      const p = pipeline(operation, carrier);
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
    '$operation with $fields in $carrier: would join, yet each round runs alone',
    async ({ operation, carrier, round }) => {
      const p = pipeline(operation, carrier);
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
      const p = pipeline(operation, 'params', { ttlMs: 1000, staleWhileRevalidateMs: 5000 });
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

describe('isInputRound on an SDK v2 context', () => {
  const v2 = (mcpReq: Record<string, unknown>) =>
    ({
      params: undefined,
      extra: extraOfV2({ mcpReq } as unknown as V2Context),
    }) as unknown as RequestContext;

  it('sees a round whose every input response the SDK dropped, and one whose state accessor throws', () => {
    expect(isInputRound(v2({ droppedInputResponseKeys: ['ask'], requestState: () => undefined }))).toBe(true);
    const refused = (): unknown => {
      throw new Error('state failed verification');
    };
    expect(isInputRound(v2({ requestState: refused }))).toBe(true);
  });

  it('sees no round in a first request, on either SDK', () => {
    expect(isInputRound(v2({ droppedInputResponseKeys: [], requestState: () => undefined }))).toBe(false);
    expect(isInputRound(v2({}))).toBe(false);
    const plain = { params: { name: 'search' }, extra: anonymous() } as unknown as RequestContext;
    expect(isInputRound(plain)).toBe(false);
  });
});
