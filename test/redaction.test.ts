// Redaction as a class (issue 13, item 3): every secret spelling × every sink (error texts from
// toToolResult, log lines from logging(), span attributes, status and events from tracing()), secrets
// placed at each sink's cut, and the other half of the contract: text without secrets is left as it was.
import fc from 'fast-check';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  EventChannel,
  MiddlewareError,
  createToolRunner,
  toToolResult,
  type CallToolResult,
  type Middleware,
  type ToolArgs,
  type ToolExtra,
} from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { isSecretKey, redactSecrets, redactValue } from '@mcp-middleware/core/redact';
import { auth } from '@mcp-middleware/auth';
import { logging } from '@mcp-middleware/logging';
import { tracing } from '@mcp-middleware/tracing';
import { findLeaks, secretCorpus, type SecretSpelling } from './proof/secrets.js';

const corpus = secretCorpus();

const extra = (): ToolExtra => createTestExtra({ requestId: 1 });

/** The spellings whose secret (or any 8 characters of it) appears in `output`. */
function leaks(output: string, spellings: readonly SecretSpelling[]): string[] {
  return findLeaks(output, spellings);
}

/** A pipeline of logging() (arguments included) and tracing() (both captures), and what they wrote. */
function sinks(): {
  run: (args: ToolArgs, handler: () => CallToolResult) => Promise<CallToolResult>;
  output: () => string;
} {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const events = new EventChannel();
  const runner = createToolRunner(
    [
      tracing({ tracerProvider, captureArguments: true, captureResult: true }),
      logging({ logger, includeArgs: true, levels: { success: 'info' } }),
    ],
    { events },
  );
  return {
    run: (args, handler) => runner.run({ name: 'tool' }, args, extra(), handler),
    output: () =>
      [
        ...lines,
        ...exporter
          .getFinishedSpans()
          .map((span) =>
            JSON.stringify({ attributes: span.attributes, events: span.events, status: span.status }),
          ),
      ].join('\n'),
  };
}

const textOf = (result: CallToolResult): string =>
  (result.content?.[0] as { text?: string } | undefined)?.text ?? '';

describe('every secret spelling × every sink', () => {
  it(`holds the corpus to at least 500 spellings`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(500);
  });

  it('leaves no secret in an error text from toToolResult (Error, string or object thrown)', () => {
    const outputs = corpus.flatMap((s) => [
      textOf(toToolResult(new Error(s.text))),
      textOf(toToolResult(new MiddlewareError('UPSTREAM_ERROR', s.text))),
      textOf(toToolResult(s.text)),
      textOf(toToolResult(s.value)),
    ]);
    expect(leaks(outputs.join('\n'), corpus)).toEqual([]);
  });

  it('leaves no secret in log lines or spans when a handler throws it, with it in the arguments', async () => {
    const { run, output } = sinks();
    for (const s of corpus) {
      await run({ ...s.value, note: s.text }, () => {
        throw new Error(s.text);
      });
    }
    expect(output().length).toBeGreaterThan(corpus.length * 100);
    expect(leaks(output(), corpus)).toEqual([]);
  });

  it('leaves no secret in log lines or spans when a tool returns it, as text or structured content', async () => {
    const { run, output } = sinks();
    for (const s of corpus) {
      await run(s.value, () => ({ content: [{ type: 'text', text: s.text }], structuredContent: s.value }));
      await run({}, () => ({ content: [{ type: 'text', text: s.text }], isError: true }));
    }
    expect(leaks(output(), corpus)).toEqual([]);
  });

  it('leaves no secret in a warning published on the channel (log line and span event)', async () => {
    const { run, output } = sinks();
    for (const s of corpus) {
      const warn: Middleware = (ctx, next) => {
        ctx.emit({ type: 'warning', source: 'test', message: s.text });
        return next();
      };
      await createToolRunner([warn]).run({ name: 'x' }, {}, extra(), () => ({ content: [] }));
      await run({}, () => ({ content: [] }));
    }
    expect(leaks(output(), corpus)).toEqual([]);
  });

  it("leaves no part of a secret placed across each sink's cut", async () => {
    const { run, output } = sinks();
    const errors: string[] = [];
    const picked = corpus.filter((_, i) => i % 25 === 0);
    // Error texts are cut at 2000 characters, log strings at 1024, span captures at 1024 of JSON.
    for (const cut of [1024, 2000]) {
      for (let offset = -40; offset <= 8; offset += 3) {
        for (const s of picked) {
          const at = s.text.indexOf(s.secret);
          const text = `${'x '.repeat(Math.max(0, Math.floor((cut + offset - at) / 2)))}${s.text}`;
          errors.push(textOf(toToolResult(new Error(text))));
          await run({ note: text }, () => {
            throw new Error(text);
          });
        }
      }
    }
    expect(leaks([...errors, output()].join('\n'), picked)).toEqual([]);
  });
});

const PROSE_WORDS = [
  'send',
  'a',
  'bearer',
  'token',
  'or',
  'API',
  'key',
  'with',
  'the',
  'request',
  'password',
  'secret',
  'basic',
  'auth',
  'cookie',
  'credentials',
  'expired',
  'was',
  'wrong',
  'retry',
  'after',
  'tool',
  'search',
  'failed',
  'timeout',
  'limit',
  'server',
  'Bearer',
  'Token',
  'session',
  'private',
  'access',
];
const PUNCTUATION = [' ', ', ', '. ', '; ', ' (', ') ', ' - ', '! ', '? ', '\n'];

describe('text without secrets stays readable', () => {
  it('leaves prose about credentials unchanged (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...PROSE_WORDS), fc.constantFrom(...PUNCTUATION)), {
          maxLength: 40,
        }),
        (pairs) => {
          const text = pairs.map(([word, gap]) => word + gap).join('');
          expect(redactSecrets(text)).toBe(text);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('leaves arbitrary text without secret markers unchanged (property)', () => {
    const marker =
      /eyJ|:\/\/|BEGIN|sk[-_]|gh[pousr]_|github_pat|glpat|xox|AKIA|AIza|bearer|basic|token|digest|dpop|negotiate|apikey|[:=]/i;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        fc.pre(!marker.test(text));
        expect(redactSecrets(text)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves key: value text unchanged when no key names a credential (property)', () => {
    const key = fc.stringMatching(/^[a-z][a-zA-Z0-9_-]{0,15}$/).filter((k) => !isSecretKey(k));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.constantFrom('=', ': ', ':'), fc.stringMatching(/^[\w.]{1,12}$/))),
        (pairs) => {
          const text = pairs.map(([k, sep, v]) => `${k}${sep}${v}`).join(' ');
          fc.pre(!/eyJ|^sk[-_]|gh[pousr]_|xox|AKIA|AIza|glpat/i.test(text));
          expect(redactSecrets(text)).toBe(text);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('copies JSON without secret keys unchanged (property)', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).filter((value) => {
      const text = JSON.stringify(value);
      return !/eyJ|:\/\/|sk[-_]|bearer|basic|token|digest|dpop|apikey|[:=]/i.test(text.replace(/":/g, '"'));
    });
    fc.assert(
      fc.property(json, (value) => {
        fc.pre(JSON.stringify(value).length < 4000 && !hasSecretKey(value));
        expect(redactValue(value)).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it("answers auth's refusal without credentials word for word", async () => {
    const seen: unknown[] = [];
    const recorder: Middleware = async (_ctx, next) => {
      try {
        return await next();
      } catch (error) {
        seen.push(error);
        throw error;
      }
    };
    const result = await createToolRunner([recorder, auth()]).run({ name: 'x' }, {}, extra(), () => ({
      content: [],
    }));
    const message = (seen[0] as Error).message;
    expect(message).toMatch(/^authentication failed: /);
    expect(textOf(result)).toBe(message);
    expect(textOf(result)).not.toContain('[redacted]');
  });
});

function hasSecretKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => isSecretKey(key) || hasSecretKey(item));
}
