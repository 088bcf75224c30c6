/** Backoff strategies: the delay before each retry, pure, with the randomness injected. */
import { BACKOFF_OPTIONS } from './declaration.js';

/** The delay in milliseconds before retry `retry` (1 for the first retry). */
export type Backoff = (retry: number) => number;

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** The ceiling of the first retry's delay. @default 100 */
  readonly baseDelayMs?: number;
  /** No delay exceeds this. @default 10000 */
  readonly maxDelayMs?: number;
  /** Each retry's ceiling is the previous one times this. @default 2 */
  readonly factor?: number;
  /** A number in [0, 1); inject a fixed one in tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * The largest delay retry `retry` may wait: `baseDelayMs * factor^(retry - 1)`, capped at `maxDelayMs`.
 * Pure; the ceiling {@link exponentialBackoff} draws under.
 */
export function backoffCeiling(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  factor: number,
): number {
  return Math.min(maxDelayMs, baseDelayMs * factor ** (retry - 1));
}

/**
 * Full jitter: a uniform draw in `[0, ceiling)` rounded to whole milliseconds. Spreads the retries of many
 * callers that failed together, so they do not hit a recovering dependency in one wave.
 */
export function fullJitter(ceiling: number, random: () => number): number {
  return Math.floor(random() * ceiling);
}

/** Exponential backoff with full jitter. `factory` and `prefix` name the options in errors. */
export function exponentialBackoff(
  options: ExponentialBackoffOptions = {},
  factory = 'exponentialBackoff',
  prefix = '',
): Backoff {
  const {
    baseDelayMs,
    maxDelayMs,
    factor,
    random = Math.random,
  } = BACKOFF_OPTIONS.read(options, prefix, factory).values;
  const draw = checked(random);
  return (retry) => fullJitter(backoffCeiling(retry, baseDelayMs, maxDelayMs, factor), draw);
}

// A `random` that answers anything but a number in [0, 1) throws here (retry then warns and waits the
// default), and the rejection of a promise it answered is absorbed rather than left unhandled.
function checked(random: () => number): () => number {
  return () => {
    const value: unknown = random();
    if (typeof value === 'number' && value >= 0 && value < 1) return value;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Promise<unknown>).then === 'function'
    ) {
      (value as Promise<unknown>).then(undefined, () => undefined);
    }
    throw new TypeError(
      `random returned ${typeof value === 'number' ? value : `a ${typeof value}`}, not a number in [0, 1)`,
    );
  };
}
