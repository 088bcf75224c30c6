// Redaction under fire: every secret spelling of the corpus through the full pipeline (tracing with both
// captures, metrics, logging with arguments, auth, limits, validation, cache, retry, breaker, timeout),
// thrown, returned and passed as arguments; every output (error texts, log lines, spans, the metrics
// text) scanned for any 8 characters of any secret; and hostile arguments measured in the largest log
// line and span attribute they produce.
import { afterAll, describe, expect, it } from 'vitest';
import {
  createToolRunner,
  type CallToolResult,
  type Principal,
  type ToolArgs,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { fullPipeline, Observed } from './pipeline.js';
import { table, writeProofSection } from './report.js';
import { findLeaks, hostileArgs, secretCorpus } from './secrets.js';

const corpus = secretCorpus();
const anonymous: Principal = Object.freeze({ id: 'anonymous', scopes: [], roles: [], claims: {} });
const TOOL: ToolInfo = { name: 'store_note', annotations: { readOnlyHint: true } };
const sinks: [string, number][] = [];
const hostile: [string, number, number][] = [];
let leaked = -1;
let scanned = 0;

let nextId = 0;
const extra = (): ToolExtra => createTestExtra({ requestId: ++nextId });
const textOf = (result: CallToolResult): string =>
  (result.content ?? []).map((c) => (c as { text?: string }).text ?? '').join('\n');

afterAll(() => {
  writeProofSection(
    'redaction',
    [
      '## Redaction',
      '',
      `${corpus.length} secret spellings (six spellings of 18 secret keys × 10 forms: \`=\`, \`:\`, \` = \`,`,
      '`:=`, JSON, quoted, escaped JSON, CLI flag, query string; Bearer, Basic, token and DPoP schemes in',
      'any case, bare and after `Authorization:`; URL userinfo; JWTs; token prefixes; a PEM key), each',
      'thrown by the handler, returned as text and structured content, and passed as arguments, through',
      'the full pipeline with tracing captures and logged arguments on:',
      '',
      table(['sink', 'outputs scanned'], sinks),
      '',
      `Spellings × sinks tried: ${corpus.length * sinks.length}; outputs scanned: ${scanned}; secrets leaked`,
      `(any 8 characters of any secret): **${leaked}**.`,
      '',
      'Hostile arguments, each refused or answered, and the largest output they produced:',
      '',
      table(['arguments', 'largest log line (bytes)', 'largest span attribute (characters)'], hostile),
    ].join('\n'),
  );
});

describe('redaction through the full pipeline', () => {
  it('leaves no part of any secret in error texts, log lines, spans or metrics', async () => {
    const observed = new Observed();
    const built = fullPipeline(observed, { from: () => anonymous });
    const runner = createToolRunner(built.pipeline, { events: observed.channel });
    const handler = (ctx: { args: ToolArgs }): CallToolResult => {
      const note = ctx.args?.['note'];
      const text = typeof note === 'string' ? note : '';
      if (ctx.args?.['mode'] === 'throw') throw new Error(text);
      return { content: [{ type: 'text', text }], structuredContent: ctx.args ?? {} };
    };
    const errors: string[] = [];
    for (const [i, spelling] of corpus.entries()) {
      for (const mode of ['throw', 'return']) {
        const args: ToolArgs = { ...spelling.value, note: spelling.text, mode };
        // A tool per spelling, not read-only: no retries, and no breaker opened by the previous throws.
        const result = await runner.run({ name: `note_${i}` }, args, extra(), handler);
        if (result.isError === true) errors.push(textOf(result));
      }
    }
    built.close();
    await observed.close();
    const outputs: Record<string, string[]> = {
      'error texts (toToolResult)': errors,
      'log lines (logging, arguments on)': observed.logs,
      'spans (attributes, events, status)': observed.spanTexts(),
      'metrics text': [await observed.metricsText()],
    };
    for (const [sink, texts] of Object.entries(outputs)) sinks.push([sink, texts.length]);
    scanned = Object.values(outputs).reduce((n, texts) => n + texts.length, 0);
    expect(errors.length).toBe(corpus.length);
    expect(observed.logs.length).toBeGreaterThanOrEqual(2 * corpus.length);
    expect(observed.spans().length).toBe(2 * corpus.length);
    const found = findLeaks(Object.values(outputs).flat().join('\n'), corpus);
    leaked = found.length;
    expect(found).toEqual([]);
  }, 300_000);

  it('keeps every log line and span attribute bounded for hostile arguments', async () => {
    for (const [name, args] of hostileArgs()) {
      const observed = new Observed();
      const built = fullPipeline(observed, { from: () => anonymous });
      const run = createToolRunner(built.pipeline, { events: observed.channel }).bind(TOOL, () =>
        Promise.reject(new Error('refused by the handler')),
      );
      await run(args, extra());
      built.close();
      await observed.close();
      const line = Math.max(...observed.logs.map((l) => Buffer.byteLength(l)));
      const attribute = Math.max(
        0,
        ...observed.spans().flatMap((span) => Object.values(span.attributes).map((v) => String(v).length)),
      );
      hostile.push([name, line, attribute]);
      expect(observed.logs.length).toBeGreaterThan(0);
      expect(line).toBeLessThanOrEqual(16 * 1024);
      expect(attribute).toBeLessThanOrEqual(1025);
    }
  }, 300_000);
});
