import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import {
  boolean,
  declareOptions,
  describeNumber,
  fn,
  integer,
  number,
  oneOf,
  operations,
  string,
  strings,
  value,
} from './declare-options.js';

interface ExampleOptions {
  readonly limit: number;
  readonly windowMs?: number;
  readonly ratio?: number;
  readonly verbose?: boolean;
  readonly name?: string;
  readonly mode?: 'reject' | 'queue';
  readonly tools?: readonly string[];
  readonly operations?: readonly ('tools/call' | 'resources/read')[];
  readonly onReject?: () => void;
  readonly store?: object;
}

const EXAMPLE = declareOptions<ExampleOptions>()('example', {
  limit: integer({ min: 1, required: true, doc: 'points per window' }),
  windowMs: integer({ min: 100, max: 86_400_000, default: 60_000, doc: 'window length' }),
  ratio: number({ min: 0, max: 1, doc: 'a fraction' }),
  verbose: boolean({ default: false, doc: 'say more' }),
  name: string({ doc: 'a name' }),
  mode: oneOf(['reject', 'queue'], { default: 'reject', doc: 'what happens when full' }),
  tools: strings({ doc: 'tool globs' }),
  operations: operations(['tools/call', 'resources/read'], { default: ['tools/call'], doc: 'requests' }),
  onReject: fn('called on a rejection'),
  store: value({ doc: 'a store', inFile: false }),
});

describe('declareOptions', () => {
  it('lists the declared keys in declaration order', () => {
    expect(EXAMPLE.keys).toEqual([
      'limit',
      'windowMs',
      'ratio',
      'verbose',
      'name',
      'mode',
      'tools',
      'operations',
      'onReject',
      'store',
    ]);
  });

  it('fills in the declared defaults and leaves options without one undefined', () => {
    const { values } = EXAMPLE.read({ limit: 5 });
    expect(values).toEqual({
      limit: 5,
      windowMs: 60_000,
      ratio: undefined,
      verbose: false,
      name: undefined,
      mode: 'reject',
      tools: undefined,
      operations: new Set(['tools/call']),
      onReject: undefined,
      store: undefined,
    });
  });

  it('returns what the caller set, checked', () => {
    const onReject = (): void => {};
    const store = {};
    const { values } = EXAMPLE.read({
      limit: 1,
      windowMs: 100,
      ratio: 0.5,
      verbose: true,
      name: 'n',
      mode: 'queue',
      tools: ['a_*'],
      operations: ['resources/read'],
      onReject,
      store,
    });
    expect(values.windowMs).toBe(100);
    expect(values.mode).toBe('queue');
    expect(values.tools).toEqual(['a_*']);
    expect(values.operations).toEqual(new Set(['resources/read']));
    expect(values.onReject).toBe(onReject);
    expect(values.store).toBe(store);
  });

  it.each([
    [{ limit: 5, windowMs: 99 }, 'example: windowMs must be an integer from 100 to 86400000, got 99'],
    [{ limit: 5, ratio: 2 }, 'example: ratio must be a number from 0 to 1, got 2'],
    [{ limit: 0.5 }, 'example: limit must be an integer ≥ 1, got 0.5'],
    [{ limit: 5, verbose: 'yes' }, 'example: verbose must be true or false, got a string'],
    [{ limit: 5, name: '' }, 'example: name must be a non-empty string, got a string'],
    [{ limit: 5, mode: 'wait' }, 'example: mode must be one of "reject", "queue", got a string'],
    [{ limit: 5, tools: ['a', 3] }, 'example: tools[1] must be a non-empty string, got 3'],
    [{ limit: 5, onReject: 'x' }, 'example: onReject must be a function, got a string'],
    [{}, 'example: limit is required (an integer ≥ 1)'],
  ])('refuses %j with a ConfigError naming the option and what it must be', (options, message) => {
    expect(() => EXAMPLE.read(options)).toThrow(ConfigError);
    expect(() => EXAMPLE.read(options)).toThrow(message);
  });

  it('refuses an unknown key with a did-you-mean', () => {
    expect(() => EXAMPLE.read({ limit: 5, windwMs: 10 })).toThrow(
      /unknown option windwMs \(did you mean windowMs\?\)/,
    );
  });

  it('names the path of a nested declaration', () => {
    expect(() => EXAMPLE.read({ limit: -1 }, 'tools.x.')).toThrow(
      'example: tools.x.limit must be an integer ≥ 1, got -1',
    );
  });
});

describe('describeNumber', () => {
  it.each([
    [{ kind: 'integer', min: 1, max: 5 } as const, 'an integer from 1 to 5'],
    [{ kind: 'number', min: 0 } as const, 'a number ≥ 0'],
    [{ kind: 'integer', max: 9 } as const, 'an integer ≤ 9'],
    [{ kind: 'number' } as const, 'a number'],
  ])('describes %j as %s', (spec, text) => {
    expect(describeNumber(spec)).toBe(text);
  });
});

interface RuleOptions {
  readonly mode?: 'reject' | 'queue';
  readonly maxWaitMs?: number;
  readonly baseMs?: number;
  readonly maxMs?: number;
  readonly cost?: number | (() => number);
  readonly capture?: boolean | (() => unknown);
}

const RULES = declareOptions<RuleOptions>()('rules', {
  mode: oneOf(['reject', 'queue'], { default: 'reject', doc: 'mode' }),
  maxWaitMs: integer({ min: 0, default: 10, onlyWhen: { key: 'mode', is: 'queue' }, doc: 'wait' }),
  baseMs: integer({ min: 0, default: 100, doc: 'base' }),
  maxMs: integer({ min: 0, default: 1000, atLeast: 'baseMs', doc: 'cap' }),
  cost: integer({ min: 0, default: 1, orFunction: true, doc: 'cost' }),
  capture: boolean({ default: false, orFunction: true, doc: 'capture' }),
});

describe('rules between options', () => {
  it('refuses an option set without the value of another it depends on', () => {
    expect(() => RULES.read({ maxWaitMs: 5 })).toThrow('rules: maxWaitMs applies only with mode: "queue"');
    expect(RULES.read({ mode: 'queue', maxWaitMs: 5 }).values.maxWaitMs).toBe(5);
  });

  it('raises a floor to the value of the option it must not be below', () => {
    expect(() => RULES.read({ baseMs: 500, maxMs: 200 })).toThrow(
      'rules: maxMs must be an integer ≥ 500, got 200',
    );
    expect(RULES.read({ baseMs: 5000 }).values.maxMs).toBe(5000);
  });

  it('takes a function where the declaration allows one, and says so when the value is neither', () => {
    const cost = (): number => 2;
    expect(RULES.read({ cost }).values.cost).toBe(cost);
    expect(() => RULES.read({ capture: 'yes' })).toThrow('rules: capture must be true, false or a function');
  });
});
