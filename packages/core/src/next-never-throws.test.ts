/** The contract's promise that `next()` never throws synchronously, for every way something below can throw. */
import { describe, expect, it } from 'vitest';
import { compose } from './compose.js';
import type { CallToolResult, Middleware, RequestHook, Result, ToolContext, ToolExtra } from './contract.js';
import { createToolRunner } from './runner.js';
import { createTestExtra, textResult } from './testing/index.js';

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });

const tool = { name: 'search' };

// What `next()` gave the layer above: a synchronous throw, or a promise and how it settled.
interface Seen {
  threwSync: boolean;
  rejected: boolean;
  rejection?: unknown;
}

const fresh = (): Seen => ({ threwSync: false, rejected: false });

// Checked field by field: a revoked Proxy cannot be compared deeply.
function expectRejection(seen: Seen, thrown: unknown): void {
  expect(seen.threwSync).toBe(false);
  expect(seen.rejected).toBe(true);
  expect(seen.rejection).toBe(thrown);
}

function probe(seen: Seen): Middleware {
  const step: RequestHook = (_ctx, next) => watch(seen, () => next());
  return Object.assign((_ctx: ToolContext, next: () => Promise<CallToolResult>) => watch(seen, next), {
    requests: { '*': step },
  });
}

function watch<R>(seen: Seen, next: () => Promise<R>): Promise<R> {
  let pending: Promise<R>;
  try {
    pending = next();
  } catch (error) {
    seen.threwSync = true;
    throw error;
  }
  return pending.catch((error: unknown) => {
    seen.rejected = true;
    seen.rejection = error;
    throw error;
  });
}

// Each way a downstream layer can throw; `thrown` is the value the layer above must see as a rejection.
const revoked = Proxy.revocable({}, {});
revoked.revoke();
const THROWN: ReadonlyArray<readonly [string, unknown]> = [
  ['an Error', new Error('boom')],
  ['a string', 'boom'],
  ['undefined', undefined],
  ['a revoked Proxy', revoked.proxy],
];

type Throwing = (thrown: unknown) => () => Promise<never>;
const HOW: ReadonlyArray<readonly [string, Throwing]> = [
  [
    'throws synchronously',
    (thrown) => () => {
      throw thrown;
    },
  ],
  ['returns a rejected promise', (thrown) => () => Promise.reject(thrown)],
  [
    'is async and throws',
    (thrown) => async () => {
      await Promise.resolve();
      throw thrown;
    },
  ],
];

const CASES = THROWN.flatMap(([value, thrown]) =>
  HOW.map(([how, make]) => ({ label: `${how} with ${value}`, thrown, make })),
);

describe('next() never throws synchronously', () => {
  for (const debug of [false, true]) {
    describe(`compose (debug ${debug})`, () => {
      for (const { label, thrown, make } of CASES) {
        it(`rejects when a middleware below ${label}`, async () => {
          const seen = fresh();
          const below = make(thrown) as unknown as Middleware;
          const chain = compose([probe(seen), below], { debug });
          await expect(chain(ctxOf(), () => Promise.resolve(textResult('x')))).rejects.toBe(thrown);
          expectRejection(seen, thrown);
        });

        it(`rejects when the terminal next ${label}`, async () => {
          const seen = fresh();
          const chain = compose([probe(seen)], { debug });
          await expect(chain(ctxOf(), make(thrown))).rejects.toBe(thrown);
          expectRejection(seen, thrown);
        });
      }
    });
  }

  describe('the runner', () => {
    for (const { label, thrown, make } of CASES) {
      it(`rejects to the layer above when the tool handler ${label}`, async () => {
        const seen = fresh();
        const result = await createToolRunner([probe(seen)], { debug: false }).run(
          tool,
          {},
          extra(),
          make(thrown),
        );
        expect(result.isError).toBe(true);
        expectRejection(seen, thrown);
      });

      it(`rejects to the layer above when a raw call's terminal ${label}`, async () => {
        const seen = fresh();
        const runner = createToolRunner([probe(seen)], { debug: false });
        const result = await runner.call(tool, { name: 'search' }, extra(), make(thrown));
        expect(result.isError).toBe(true);
        expectRejection(seen, thrown);
      });

      it(`rejects to the step above when a request handler ${label}`, async () => {
        const seen = fresh();
        const runner = createToolRunner([probe(seen)], { debug: false });
        const handler = make(thrown) as (ctx: unknown) => Promise<Result>;
        await expect(
          runner.request('resources/list', undefined, undefined, extra(), handler),
        ).rejects.toBeDefined();
        expectRejection(seen, thrown);
      });

      it(`rejects to the step above when a step below ${label}`, async () => {
        const seen = fresh();
        const below = Object.assign(() => Promise.resolve(textResult('x')), {
          requests: { '*': make(thrown) },
        });
        const runner = createToolRunner([probe(seen), below], { debug: false });
        const handler = (): Promise<Result> => Promise.resolve({ tools: [] });
        await expect(
          runner.request('tools/list', undefined, undefined, extra(), handler),
        ).rejects.toBeDefined();
        expectRejection(seen, thrown);
      });
    }
  });
});

function ctxOf(): ToolContext {
  // compose never reads the context; the probe passes it on untouched.
  return { tool } as unknown as ToolContext;
}
