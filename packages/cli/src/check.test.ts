import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHECK_WIDTH,
  DOCUMENTED_ORDER,
  checkConfigFile,
  orderWarnings,
  unmatchedSelectors,
  wrap,
} from './check.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cli-check-')), 'gateway.yaml');
  writeFileSync(file, text);
  return file;
}

describe('orderWarnings', () => {
  it('says nothing about the documented order, approval and idempotency included', () => {
    expect(orderWarnings(DOCUMENTED_ORDER)).toEqual([]);
  });

  it('warns once per middleware placed inside one it belongs outside of, with the reason', () => {
    const warnings = orderWarnings(['timeout', 'retry', 'rateLimit', 'auth', 'metrics']);
    expect(warnings).toHaveLength(4);
    expect(warnings[3]).toBe(
      '`metrics` runs inside `timeout`, `retry`, `rateLimit`, `auth`, but belongs outside: observability goes outermost, so it sees every rejection',
    );
  });

  it('warns when a cache sits inside idempotency or approval sits inside retry', () => {
    expect(orderWarnings(['cache', 'idempotency'])).toEqual([
      '`idempotency` runs inside `cache`, but belongs outside: idempotency goes before anything that runs a write',
    ]);
    expect(orderWarnings(['retry', 'approval'])[0]).toMatch(/^`approval` runs inside `retry`/);
  });

  it('ignores third-party middlewares, which have no documented place', () => {
    expect(orderWarnings(['./my-guard.js', 'tracing', 'other-package'])).toEqual([]);
  });
});

describe('unmatchedSelectors', () => {
  it('lists the names and globs that match no tool', () => {
    expect(unmatchedSelectors(['echo', 'search_*', 'db_*', 'gone'], ['echo', 'search_web'])).toEqual([
      'db_*',
      'gone',
    ]);
  });

  it('reads negations and lists as the pipeline does, and never lists an annotation key', () => {
    const keys = ['!echo', '!gone', 'gone, db_*', 'gone, echo', '{ readOnlyHint: true }'];
    expect(unmatchedSelectors(keys, ['echo'])).toEqual(['!echo', 'gone, db_*']);
  });
});

describe('wrap', () => {
  it('keeps every line within the width, breaking JSON after commas and cutting an overlong word', () => {
    const lines = wrap(`{"a":"${'x'.repeat(150)}","b":1,"c":2}`, 40);
    expect(lines.every((line) => line.length <= 40)).toBe(true);
    expect(lines.join('')).toBe(`{"a":"${'x'.repeat(150)}","b":1,"c":2}`);
  });
});

describe('checkConfigFile', () => {
  it('shows what an annotation key changes for the tools it selects', async () => {
    const file = configFile(
      ['pipeline: [retry]', 'tools:', "  '{ destructiveHint: true }': { retry: false }"].join('\n'),
    );
    expect(await checkConfigFile(file)).toMatch(/\{ destructiveHint: true \} +retry: off/);
  });

  it('prints no line wider than 100 columns, however long the options and tool keys', async () => {
    const keys = Array.from(
      { length: 30 },
      (_, i) => `          - { id: key-${i}, sha256: "${String(i).padStart(2, 'a').repeat(32)}" }`,
    );
    const file = configFile(
      [
        'pipeline:',
        '  - auth:',
        '      apiKeys:',
        '        keys:',
        ...keys,
        '  - rateLimit: { limit: 20, windowMs: 60000, keyBy: [principal, tool, session] }',
        'tools:',
        `  ${'a_very_long_tool_name_that_goes_on_'.repeat(3)}*: { rateLimit: { limit: 5, keyBy: [principal, tool] } }`,
      ].join('\n'),
    );
    const text = await checkConfigFile(file);
    expect(text).toContain('valid, 2 middlewares');
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThanOrEqual(CHECK_WIDTH);
  });
});
