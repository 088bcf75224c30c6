import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DeferredCounter } from './deferred-counter.js';

function counterIn(registry: Registry): DeferredCounter<'tool' | 'result'> {
  return new DeferredCounter(
    { name: 'lookups_total', help: 'lookups', labelNames: ['tool', 'result'], registers: [registry] },
    'result',
  );
}

async function valueOf(counter: DeferredCounter<'tool' | 'result'>, labels: object): Promise<number> {
  const { values } = await counter.get();
  return values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;
}

describe('DeferredCounter', () => {
  it('shows every added count on a scrape, by series and value', async () => {
    const registry = new Registry();
    const counter = counterIn(registry);
    const search = Object.freeze({ tool: 'search' });
    counter.add(search, 'hit');
    counter.add(search, 'hit');
    counter.add(search, 'miss');
    counter.add(Object.freeze({ tool: 'fetch' }), 'hit');
    const text = await registry.metrics();
    expect(text).toContain('lookups_total{tool="search",result="hit"} 2');
    expect(text).toContain('lookups_total{tool="search",result="miss"} 1');
    expect(text).toContain('lookups_total{tool="fetch",result="hit"} 1');
  });

  it('adds counts made after a read to what that read showed, and beside inc()', async () => {
    const counter = counterIn(new Registry());
    const search = Object.freeze({ tool: 'search' });
    counter.add(search, 'hit');
    expect(await valueOf(counter, { tool: 'search', result: 'hit' })).toBe(1);
    counter.add(search, 'hit');
    counter.inc({ tool: 'search', result: 'hit' });
    expect(await valueOf(counter, { tool: 'search', result: 'hit' })).toBe(3);
    expect(await valueOf(counter, { tool: 'search', result: 'hit' })).toBe(3);
  });

  it('forgets counts not yet read when reset', async () => {
    const counter = counterIn(new Registry());
    counter.add(Object.freeze({ tool: 'search' }), 'hit');
    counter.reset();
    expect(await valueOf(counter, { tool: 'search', result: 'hit' })).toBe(0);
  });
});
