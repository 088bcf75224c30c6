/**
 * Type tests (checked by `pnpm typecheck`, never run): a declaration must name every option of its
 * interface and no other, and the values it reads have the types the declaration promises.
 */
import { declareOptions, fn, integer, oneOf } from './declare-options.js';

interface TwoOptions {
  readonly timeoutMs?: number;
  readonly onTimeout?: (() => void) | undefined;
}

// Both keys declared: compiles.
const complete = declareOptions<TwoOptions>()('two', {
  timeoutMs: integer({ min: 1, default: 30_000, doc: 'deadline' }),
  onTimeout: fn('hook'),
});

// An option added to the interface but not to the declaration fails to compile.
declareOptions<TwoOptions>()(
  'two',
  // @ts-expect-error onTimeout is missing
  { timeoutMs: integer({ min: 1, default: 30_000, doc: 'deadline' }) },
);

// A declared key the interface does not have fails to compile.
declareOptions<TwoOptions>()('two', {
  timeoutMs: integer({ min: 1, default: 30_000, doc: 'deadline' }),
  onTimeout: fn('hook'),
  // @ts-expect-error extra is not an option of TwoOptions
  extra: oneOf(['a', 'b'], { doc: 'not an option' }),
});

const { values } = complete.read({});
// A declared default makes the value defined.
export const deadline: number = values.timeoutMs;
// A function option keeps its interface type and may be absent.
export const hook: (() => void) | undefined = values.onTimeout;
// @ts-expect-error a function option may be absent
export const hookAlways: () => void = values.onTimeout;

interface NoDefault {
  readonly ratio?: number;
}
const noDefault = declareOptions<NoDefault>()('nd', { ratio: integer({ doc: 'r' }) });
// @ts-expect-error without a default the value may be undefined
export const ratio: number = noDefault.read({}).values.ratio;
