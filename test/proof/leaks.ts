/**
 * Leak and rejection watch for the fault suites: unhandled rejections (a process hook), active handles
 * (`process.getActiveResourcesInfo()`, which lists only what keeps the loop alive), and every timer created
 * meanwhile, unref'd ones included (async_hooks), that neither fired nor was cleared.
 */
import { createHook } from 'node:async_hooks';

/** A watch started before a case; `stop()` reports what the case left behind. */
export interface LeakWatch {
  /** Rejections nobody handled since the watch started. */
  readonly unhandled: unknown[];
  /** Stops watching; returns what is still alive that was not before. */
  stop(): Promise<{ handles: string[]; timers: number; unhandled: unknown[] }>;
}

const RUNNER_FRAME = /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(vitest|@vitest|tinypool|birpc)\//;

function countByType(list: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of list) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Starts watching. */
export function watchLeaks(): LeakWatch {
  const before = countByType(process.getActiveResourcesInfo());
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const timers = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') timers.set(id, new Error('timer created').stack ?? '');
    },
    destroy(id) {
      timers.delete(id);
    },
  }).enable();
  return {
    unhandled,
    async stop() {
      // Let settled work finish its callbacks (and a late rejection surface) before counting.
      for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      hook.disable();
      process.off('unhandledRejection', onUnhandled);
      const after = countByType(process.getActiveResourcesInfo());
      const handles: string[] = [];
      for (const [type, n] of after) {
        const extra = n - (before.get(type) ?? 0);
        if (extra > 0) handles.push(`${type} ×${extra}`);
      }
      // The test runner's own timers (its RPC and reporting) are not the code under test.
      const ours = [...timers.values()].filter((stack) => !RUNNER_FRAME.test(stack));
      const runners = timers.size - ours.length;
      const filtered = handles
        .map((h) => (h.startsWith('Timeout ×') ? `Timeout ×${Number(h.slice(9)) - runners}` : h))
        .filter((h) => h !== 'Timeout ×0' && !h.startsWith('Timeout ×-'));
      if (ours.length > 0) console.warn(ours.join('\n\n'));
      return { handles: filtered, timers: ours.length, unhandled };
    },
  };
}
