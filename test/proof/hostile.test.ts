// Hostile input: generated args, _meta, headers and config files; prototype-pollution payloads, 10 MB
// args, 10 000-deep nesting and odd Unicode through the full pipeline; cache isolation between principals;
// a stdio server at debug whose stdout must stay pure JSON-RPC; and a secret scan over everything.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { JSONRPCMessageSchema, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createToolRunner,
  errorDetailOf,
  isToolResult,
  principalKey,
  type CallToolResult,
  type Principal,
  type ToolArgs,
  type ToolExtra,
  type ToolInfo,
} from '@mcp-middleware/core';
import { createTestExtra } from '@mcp-middleware/core/testing';
import { apiKeys, hashApiKey } from '@mcp-middleware/auth';
import { cache } from '@mcp-middleware/cache';
import { loadConfig } from '@mcp-middleware/config';
import { fullPipeline, Observed } from './pipeline.js';
import { table, writeProofSection } from './report.js';
import { scanForSecrets, scannedCount } from './secrets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const API_KEY = `hk_${randomBytes(18).toString('base64url')}`;
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const STDIO_TOKEN = `st_${randomBytes(18).toString('base64url')}`;
const SECRETS = [API_KEY, PASSWORD, STDIO_TOKEN];
const CLEAR_CODES = new Set(['INVALID_ARGUMENTS', 'PAYLOAD_TOO_LARGE', 'UNAUTHENTICATED']);

const tried: [string, number][] = [];
const observed = new Observed();
const keys = apiKeys({
  keys: [{ id: 'hostile-client', sha256: hashApiKey(API_KEY) }],
  header: 'authorization',
});
const anonymous: Principal = Object.freeze({ id: 'anonymous', scopes: [], roles: [], claims: {} });
const built = fullPipeline(observed, { from: [keys, () => anonymous], timeoutMs: 2_000 });
const runner = createToolRunner(built.pipeline, { events: observed.channel });
const TOOL: ToolInfo = { name: 'store_note', annotations: { readOnlyHint: true } };
const run = runner.bind(TOOL, (ctx) => ({ content: [{ type: 'text', text: `stored ${typeof ctx.args}` }] }));
let stdioStderr = '';

let nextId = 0;
function extra(meta?: Record<string, unknown>, headers?: Record<string, string>): ToolExtra {
  return createTestExtra({
    requestId: ++nextId,
    ...(meta !== undefined && { _meta: meta }),
    requestInfo: { headers: { authorization: `Bearer ${API_KEY}`, ...headers } },
  });
}

/** The call answered with a tool result: success, or an error with a code a client can act on. */
function expectClear(result: CallToolResult): void {
  expect(isToolResult(result)).toBe(true);
  if (result.isError === true) expect(CLEAR_CODES).toContain(errorDetailOf(result)?.code);
}

afterAll(() => {
  built.close();
  const outputs = {
    logs: observed.logs,
    spans: observed.spanTexts(),
    'stdio stderr': stdioStderr.split('\n'),
  };
  writeProofSection(
    'hostile',
    [
      '## Hostile input',
      '',
      'Through the full pipeline (`createToolRunner`, auth by API key from the `authorization` header):',
      '',
      table(['input', 'tried'], tried),
      '',
      `Secret scan (an API key, a password in args, a stdio token): ${scannedCount(outputs)} log lines,`,
      `spans and stderr lines, ${scanForSecrets(outputs, SECRETS).length} secrets found.`,
    ].join('\n'),
  );
});

describe('hostile input through the full pipeline', () => {
  it('answers generated args, _meta and headers with a result or a clear error, never a throw', async () => {
    const json = fc.jsonValue({ maxDepth: 6 });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string(), json),
        fc.option(fc.dictionary(fc.string(), json), { nil: undefined }),
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => k.toLowerCase() !== 'authorization'),
          fc.string(),
        ),
        async (args, meta, headers) => {
          runs++;
          expectClear(await run(args, extra(meta, headers)));
        },
      ),
      { numRuns: 300 },
    );
    tried.push(['generated args × _meta × headers (fast-check)', runs]);
  });

  it('refuses generated credentials in the authorization header with UNAUTHENTICATED', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.string(), async (credential) => {
        runs++;
        const result = await run({ a: 1 }, extra(undefined, { authorization: credential }));
        expect(isToolResult(result)).toBe(true);
        // Whatever it is, it is not the key: refused, or passed over to the anonymous resolver when absent.
        if (result.isError === true) expect(errorDetailOf(result)?.code).toBe('UNAUTHENTICATED');
      }),
      { numRuns: 200 },
    );
    tried.push(['generated authorization headers', runs]);
  });

  it('pollutes no prototype with __proto__, constructor and prototype payloads', async () => {
    const payloads: unknown[] = [
      JSON.parse('{"__proto__": {"polluted": "yes"}}'),
      JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
      JSON.parse('{"nested": {"__proto__": {"polluted": "yes"}}}'),
      JSON.parse('{"list": [{"__proto__": {"polluted": "yes"}}]}'),
      JSON.parse('{"prototype": {"polluted": "yes"}, "toString": "x", "valueOf": 1, "hasOwnProperty": null}'),
    ];
    for (const payload of payloads) {
      const result = await run(
        payload as ToolArgs,
        extra(JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, unknown>),
      );
      expectClear(result);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    tried.push(['prototype-pollution payloads (args and _meta)', payloads.length]);
  });

  it('refuses 10 MB of arguments with PAYLOAD_TOO_LARGE', async () => {
    const result = await run({ blob: 'x'.repeat(10 * 1024 * 1024) }, extra());
    expect(errorDetailOf(result)?.code).toBe('PAYLOAD_TOO_LARGE');
    tried.push(['10 MB arguments', 1]);
  });

  it('refuses 10 000-deep nesting with a clear error and no stack overflow', async () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    let list: unknown[] = [];
    for (let i = 0; i < 10_000; i++) list = [list];
    for (const args of [deep, { list }]) {
      const result = await run(args, extra());
      expect(result.isError).toBe(true);
      expect(CLEAR_CODES).toContain(errorDetailOf(result)?.code);
    }
    tried.push(['10 000-deep objects and arrays', 2]);
  });

  it('answers odd Unicode in keys and values', async () => {
    const odd = [
      '\uD800',
      '\uDFFF\uD800',
      '\u202Eevil\u202C',
      'a\u0000b',
      '\u200B\u200D\uFEFF',
      '👩‍👩‍👧‍👦',
      'e\u0301',
      '\uFFFF\uFFFE',
      '𝕳𝖊𝖑𝖑𝖔',
    ];
    for (const s of odd) expectClear(await run({ [s]: s, text: s.repeat(1000) }, extra({ [s]: s })));
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })),
        async (args) => {
          runs++;
          expectClear(await run(args, extra()));
        },
      ),
      { numRuns: 200 },
    );
    tried.push(['odd Unicode (lone surrogates, bidi overrides, NUL, ZWJ)', odd.length + runs]);
  });

  it('never lets a caller read another principal’s cached result (10 000 random pairs)', async () => {
    const runCache = createToolRunner([
      async function principalFromArgs(ctx, next) {
        ctx.set(principalKey, {
          id: String(ctx.extra.requestId).split(':')[0] ?? '',
          scopes: [],
          roles: [],
          claims: {},
        });
        return next();
      },
      cache({ maxEntries: 100_000 }),
    ]).bind(TOOL, (ctx) => ({
      content: [{ type: 'text', text: `${ctx.get(principalKey)?.id ?? ''}|${JSON.stringify(ctx.args)}` }],
    }));
    const pairs = fc.sample(
      fc.tuple(
        fc.constantFrom(...Array.from({ length: 20 }, (_, i) => `p${i}`)),
        fc.integer({ min: 0, max: 49 }),
      ),
      { numRuns: 10_000, seed: 9 },
    );
    let hits = 0;
    let crossed = 0;
    const seen = new Set<string>();
    for (const [i, [principal, q]] of pairs.entries()) {
      const key = `${principal}|${q}`;
      if (seen.has(key)) hits++;
      seen.add(key);
      const result = await runCache({ q }, { ...extra(), requestId: `${principal}:${i}` });
      const text = (result.content?.[0] as { text?: string } | undefined)?.text ?? '';
      if (text !== `${principal}|${JSON.stringify({ q })}`) crossed++;
    }
    expect(pairs).toHaveLength(10_000);
    expect(hits).toBeGreaterThan(5_000); // most calls are hits, so isolation was really exercised
    expect(crossed).toBe(0);
    tried.push([
      `cache: random (principal, args) pairs, ${hits} repeat lookups, 0 cross-principal hits`,
      pairs.length,
    ]);
  });
});

describe('hostile config files', () => {
  it('answers generated config objects with a result or a ConfigFileError, nothing else', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('${UNSET_VAR}', '$${x}', '${A:-1}'),
    );
    const entry = fc.oneof(
      fc.constantFrom('retry', 'timeout', 'cache', 'metrics', 'nope'),
      fc.dictionary(fc.constantFrom('retry', 'timeout', 'rateLimit', 'auth', '__proto__', 'x'), value, {
        maxKeys: 2,
      }),
    );
    let runs = 0;
    fc.assert(
      fc.property(
        fc.record(
          {
            pipeline: fc.array(entry, { maxLength: 4 }),
            tools: fc.dictionary(fc.string(), value),
            stores: value,
          },
          { requiredKeys: [] },
        ),
        (config) => {
          runs++;
          try {
            loadConfig(config, { env: {} });
          } catch (error) {
            expect((error as Error).name).toBe('ConfigFileError');
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    tried.push(['generated config objects', runs]);
  });

  it('refuses __proto__ keys in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-proof-config-'));
    const file = join(dir, 'mcp-middleware.yaml');
    writeFileSync(file, 'pipeline: [retry]\ntools:\n  __proto__:\n    retry: { polluted: 1 }\n');
    try {
      expect(() => loadConfig(file, { env: {} })).toThrow(/__proto__/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(Object.prototype).not.toHaveProperty('polluted');
    tried.push(['__proto__ in a config file', 1]);
  });
});

describe('a stdio server behind the full pipeline, logging at debug', () => {
  it('writes only JSON-RPC lines on stdout while its log lines go to stderr', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=@mcp-middleware/source', '--import', 'tsx', 'test/proof/fixtures/stdio-server.ts'],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, MCP_AUTH_TOKEN: STDIO_TOKEN } },
    );
    let stdout = '';
    let answered: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (answered = resolve));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const start = stdout.lastIndexOf('\n') + 1;
      stdout += chunk;
      for (const line of stdout.slice(start).split('\n').slice(0, -1)) {
        const message = JSON.parse(line) as { id?: number; method?: string };
        // The server asks this client for input (elicitation): decline, as a user might.
        if (message.method === 'elicitation/create') {
          child.stdin.write(
            `${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { action: 'decline' } })}\n`,
          );
        }
        if (message.method === undefined && message.id === 7) answered();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stdioStderr += chunk));
    const call = (id: number, name: string, args: unknown): object => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args },
    });
    const messages = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: { elicitation: {} },
          clientInfo: { name: 'p', version: '1' },
        },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      call(2, 'test_simple_text', {}),
      call(3, 'test_error_handling', {}),
      call(4, 'test_tool_with_logging', {}),
      call(5, 'test_elicitation', { message: `password=${PASSWORD}` }),
      call(6, 'no_such_tool', { x: '\uD800' }),
      call(7, 'test_elicitation', { message: 'x'.repeat(100_000) }),
    ];
    for (const message of messages) child.stdin.write(`${JSON.stringify(message)}\n`);
    await done;
    child.stdin.end();
    await new Promise((resolve) => child.on('close', resolve));
    const lines = stdout.split('\n').filter((line) => line !== '');
    for (const line of lines)
      expect(JSONRPCMessageSchema.safeParse(JSON.parse(line)).success, line).toBe(true);
    expect(lines.filter((l) => /"id":[2-7][,}]/.test(l))).toHaveLength(6);
    expect(stdioStderr).toContain('"msg":"tool call completed"');
    tried.push(['stdio: stdout lines checked as JSON-RPC', lines.length]);
  }, 120_000);
});

describe('everything this suite wrote', () => {
  it('holds none of the secrets it used', () => {
    const outputs = {
      logs: observed.logs,
      spans: observed.spanTexts(),
      'stdio stderr': stdioStderr.split('\n'),
    };
    expect(observed.logs.length).toBeGreaterThan(100);
    expect(scanForSecrets(outputs, SECRETS)).toEqual([]);
  });
});
