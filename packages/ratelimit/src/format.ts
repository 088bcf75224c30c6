/** Durations in words a model reads: "60 s", "1 min", "retry after 12 s". */

/** A window length: "500 ms", "1.5 s", "60 s", "5 min", "2 h". */
export function formatWindow(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms > 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** Whole seconds to wait, rounded up, at least 1: "12 s". */
export function formatRetryAfter(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))} s`;
}

/** "1 call", "2 calls". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
