// metrics() on a real McpServer and Client, scraped over real HTTP, parsed strictly; and the shipped
// Grafana dashboard and Prometheus alert rules checked against that scrape.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { MiddlewareError, when, withMiddleware, type Middleware } from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { metrics, metricsHandler } from '@mcp-middleware/metrics';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------
// A strict reader of the Prometheus text format 0.0.4 and OpenMetrics 1.0.0 (the parts prom-client
// writes): every sample must belong to a declared family, histograms must be cumulative and end in
// +Inf = _count, OpenMetrics must end in # EOF without blank lines.

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Family {
  readonly name: string;
  readonly type: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad sample value ${text}`);
  return Number(text);
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name ${name}`);
    if (name in labels) throw new Error(`duplicate label ${name}`);
    if (text[eq + 1] !== '"') throw new Error(`unquoted value of ${name}`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        value += next === 'n' ? '\n' : next;
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`unterminated value of ${name}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`expected , after label ${name}`);
  }
  return labels;
}

function suffixesOf(type: string, openMetrics: boolean): string[] {
  switch (type) {
    case 'counter':
      return openMetrics ? ['_total', '_created'] : [''];
    case 'histogram':
      return ['_bucket', '_sum', '_count', ...(openMetrics ? ['_created'] : [])];
    case 'summary':
      return ['', '_sum', '_count', ...(openMetrics ? ['_created'] : [])];
    default:
      return [''];
  }
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le: _le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const bounds = buckets.map((b) => parseValue(b.labels.le ?? 'missing'));
    expect(bounds, `${family.name} bucket bounds ascend and end in +Inf`).toEqual(
      [...bounds].sort((a, b) => a - b),
    );
    expect(bounds.at(-1)).toBe(Infinity);
    const counts = buckets.map((b) => b.value);
    expect(counts, `${family.name} buckets are cumulative`).toEqual([...counts].sort((a, b) => a - b));
    const count = samples.find((s) => s.name === `${family.name}_count`);
    expect(count?.value, `${family.name} +Inf bucket equals _count`).toBe(counts.at(-1));
  }
}

function parseExposition(text: string, format: 'text' | 'openmetrics'): Map<string, Family> {
  const openMetrics = format === 'openmetrics';
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  if (openMetrics) {
    expect(lines.pop()).toBe('# EOF');
    expect(lines).not.toContain('');
  }
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of lines) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      expect(name).toMatch(NAME);
      if (kind === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', openMetrics ? 'unknown' : 'untyped']).toContain(
          rest,
        );
        expect(families.has(name), `family ${name} declared once`).toBe(false);
        current = { name, type: rest, samples: [] };
        families.set(name, current);
      }
      continue;
    }
    expect(line.startsWith('#'), `no other comments: ${line}`).toBe(false);
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const [, name = '', labelText = '', value = ''] = match;
    if (current === undefined) throw new Error(`sample before any TYPE: ${line}`);
    const family = current;
    expect(
      suffixesOf(family.type, openMetrics).map((s) => family.name + s),
      `sample ${name} belongs to family ${family.name}`,
    ).toContain(name);
    family.samples.push({ name, labels: parseLabels(labelText), value: parseValue(value) });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

const allSamples = (families: Map<string, Family>): Sample[] =>
  [...families.values()].flatMap((f) => f.samples);

function valueOf(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const want = Object.entries(labels).sort();
  return allSamples(families).find(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(want),
  )?.value;
}

// ---------------------------------------------------------------------------------------------------
// The server: tools that succeed, answer isError, throw, get refused, and middlewares that publish the
// events other packages publish (reject, retry, cache, breaker), scoped per tool with when().

const TOKEN = 'tok_5c1f0e9a77';
const SECRET_ARG = 'arg-value-b71e';

const publish =
  (...events: Parameters<Parameters<Middleware>[0]['emit']>[0][]): Middleware =>
  (ctx, next) => {
    for (const event of events) ctx.emit(event);
    return next();
  };

const refuse: Middleware = (ctx) => {
  ctx.emit({ type: 'reject', code: 'FORBIDDEN', source: 'auth' });
  return Promise.reject(new MiddlewareError('FORBIDDEN', 'tool `admin` needs scope admin'));
};

let registry: Registry;
let connection: InMemoryConnection;
let http: Server;
let url: string;
let text: string;
let families: Map<string, Family>;

beforeAll(async () => {
  registry = new Registry();
  const server = new McpServer({ name: 'metrics-it', version: '1.0.0' });
  withMiddleware(server, [
    metrics({ registry }),
    when('admin', refuse),
    when('cached', publish({ type: 'cache', result: 'miss' }, { type: 'cache', result: 'hit' })),
    when(
      'flaky',
      publish(
        { type: 'retry', attempt: 1, delayMs: 100, code: undefined },
        { type: 'breaker', key: 'flaky', tool: 'flaky', state: 'open' },
      ),
    ),
  ]);
  server.registerTool('search', { inputSchema: { query: z.string() } }, ({ query }) => ({
    content: [{ type: 'text', text: `found ${query.length}` }],
  }));
  server.registerTool('read_file', { inputSchema: { path: z.string() } }, () => ({
    content: [{ type: 'text', text: 'no such file' }],
    isError: true,
  }));
  server.registerTool('flaky', {}, () => {
    throw new Error('upstream reset the connection');
  });
  server.registerTool('admin', {}, () => ({ content: [{ type: 'text', text: 'never' }] }));
  server.registerTool('cached', {}, () => ({ content: [{ type: 'text', text: 'fresh' }] }));
  server.registerPrompt('greet', {}, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }],
  }));
  server.registerResource('note', 'notes://private-91c2', {}, (uri) => ({
    contents: [{ uri: uri.href, text: 'a note' }],
  }));

  connection = await connectInMemory(server, {
    authInfo: { token: TOKEN, clientId: 'client-3d9c', scopes: [] },
  });
  const { client } = connection;
  await client.callTool({ name: 'search', arguments: { query: SECRET_ARG } });
  await client.callTool({ name: 'search', arguments: { query: 'two' } });
  await client.callTool({ name: 'read_file', arguments: { path: '/nope' } });
  await client.callTool({ name: 'flaky' });
  await client.callTool({ name: 'admin' });
  await client.callTool({ name: 'cached' });
  await client.listTools();
  await client.getPrompt({ name: 'greet' });
  await client.readResource({ uri: 'notes://private-91c2' });
  await client.readResource({ uri: 'notes://missing' }).catch(() => undefined);

  const handler = metricsHandler(registry);
  http = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/metrics`;
  text = await (await fetch(url)).text();
  families = parseExposition(text, 'text');
});

afterAll(async () => {
  await connection.close();
  await new Promise((resolve) => http.close(resolve));
});

const count = 'mcp_server_operation_duration_seconds_count';
const call = { mcp_method_name: 'tools/call' };

describe('the exposition reader used here', () => {
  it('refuses a sample that belongs to no declared family', () => {
    expect(() => parseExposition('# TYPE a gauge\nb 1\n', 'text')).toThrow(/belongs to family a/);
  });

  it('refuses a histogram whose +Inf bucket is not its count', () => {
    const broken = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 3\n';
    expect(() => parseExposition(broken, 'text')).toThrow(/equals _count/);
  });
});

describe('metrics on a real McpServer, scraped over HTTP', () => {
  it('exposes every metric family of the package in the scrape', () => {
    expect([...families.keys()]).toEqual([
      'mcp_server_operation_duration_seconds',
      'mcp_middleware_calls_in_flight',
      'mcp_middleware_rejections_total',
      'mcp_middleware_retries_total',
      'mcp_middleware_cache_requests_total',
      'mcp_middleware_input_required_total',
      'mcp_middleware_circuit_breakers',
    ]);
  });

  it('counts successful calls per tool with no error_type label', () => {
    expect(valueOf(families, count, { ...call, gen_ai_tool_name: 'search' })).toBe(2);
  });

  it('labels an isError answer tool_error', () => {
    expect(
      valueOf(families, count, { ...call, gen_ai_tool_name: 'read_file', error_type: 'tool_error' }),
    ).toBe(1);
  });

  it('labels an error thrown by the handler _OTHER', () => {
    expect(valueOf(families, count, { ...call, gen_ai_tool_name: 'flaky', error_type: '_OTHER' })).toBe(1);
  });

  it('labels a refused call with the middleware code and counts the rejection', () => {
    expect(valueOf(families, count, { ...call, gen_ai_tool_name: 'admin', error_type: 'FORBIDDEN' })).toBe(1);
    const rejections = { ...call, gen_ai_tool_name: 'admin', error_type: 'FORBIDDEN' };
    expect(valueOf(families, 'mcp_middleware_rejections_total', rejections)).toBe(1);
  });

  it('counts retries, cache lookups and open breakers from the events middlewares publish', () => {
    expect(valueOf(families, 'mcp_middleware_retries_total', { ...call, gen_ai_tool_name: 'flaky' })).toBe(1);
    const cache = 'mcp_middleware_cache_requests_total';
    expect(valueOf(families, cache, { ...call, gen_ai_tool_name: 'cached', result: 'hit' })).toBe(1);
    expect(valueOf(families, cache, { ...call, gen_ai_tool_name: 'cached', result: 'miss' })).toBe(1);
    const breaker = { ...call, gen_ai_tool_name: 'flaky', state: 'open' };
    expect(valueOf(families, 'mcp_middleware_circuit_breakers', breaker)).toBe(1);
  });

  it('measures lists, prompt gets and resource reads by method, never with the URI', () => {
    expect(valueOf(families, count, { mcp_method_name: 'tools/list' })).toBe(1);
    expect(valueOf(families, count, { mcp_method_name: 'prompts/get', gen_ai_prompt_name: 'greet' })).toBe(1);
    expect(valueOf(families, count, { mcp_method_name: 'resources/read' })).toBe(1);
    expect(valueOf(families, count, { mcp_method_name: 'resources/read', error_type: '-32602' })).toBe(1);
    expect(text).not.toContain('notes://');
  });

  it('shows no call in flight once every call has answered', () => {
    const inFlight = families.get('mcp_middleware_calls_in_flight')?.samples ?? [];
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.every((s) => s.value === 0)).toBe(true);
  });

  it('puts no token, client id, argument, request id or session id in the scrape', () => {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('client-3d9c');
    expect(text).not.toContain(SECRET_ARG);
    const labelNames = new Set(allSamples(families).flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(
      [
        'error_type',
        'gen_ai_prompt_name',
        'gen_ai_tool_name',
        'le',
        'mcp_method_name',
        'result',
        'state',
      ].sort(),
    );
  });

  it('serves the same samples as OpenMetrics to a scraper that asks for it', async () => {
    const response = await fetch(url, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    expect(response.headers.get('content-type')).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
    const open = parseExposition(await response.text(), 'openmetrics');
    const key = (s: Sample): string =>
      `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}=${s.value}`;
    // OpenMetrics writes bucket bounds as canonical floats (1.0); compare them as numbers.
    const normalise = (s: Sample): Sample =>
      s.labels.le === undefined ? s : { ...s, labels: { ...s.labels, le: String(parseValue(s.labels.le)) } };
    const scrape = await (await fetch(url)).text();
    expect(allSamples(open).map(normalise).map(key).sort()).toEqual(
      allSamples(parseExposition(scrape, 'text')).map(normalise).map(key).sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// examples/observability: every metric and label a query names must exist in the scrape above.

const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'histogram_quantile',
  'clamp_min',
  'clamp_max',
  'abs',
  'absent',
  'vector',
  'scalar',
  'time',
  'label_replace',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'inf',
  'nan',
]);
// Added by Prometheus to every scraped series, so never in the exposition itself.
const TARGET_LABELS = new Set(['job', 'instance']);

interface QueryRefs {
  readonly metrics: string[];
  readonly labels: string[];
}

/** The metric names and label names a PromQL expression (Grafana variables allowed) refers to. */
function refsOf(expr: string): QueryRefs {
  const labels: string[] = [];
  // Grafana's label_values(metric, label) names a metric and a label.
  let rest = expr.replace(
    /label_values\(\s*([^,()]+?)\s*,\s*(\w+)\s*\)/g,
    (_m, metric: string, label: string) => {
      labels.push(label);
      return metric;
    },
  );
  rest = rest.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  rest = rest.replace(/\{([^}]*)\}/g, (_m, body: string) => {
    for (const matcher of body.split(',')) {
      const name = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/.exec(matcher)?.[1];
      if (name !== undefined) labels.push(name);
    }
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  rest = rest.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_m, _w, list: string) => {
      labels.push(
        ...list
          .split(',')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      );
      return ' ';
    },
  );
  rest = rest.replace(/\$\w+/g, ' ');
  const identifiers = rest.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  const metrics = identifiers.filter((id) => !PROMQL_WORDS.has(id));
  return { metrics, labels };
}

function checkQuery(expr: string): void {
  const { metrics: names, labels } = refsOf(expr);
  expect(names.length, `a metric in ${expr}`).toBeGreaterThan(0);
  const samples = allSamples(families);
  for (const name of names) {
    expect(
      samples.some((s) => s.name === name),
      `${name} (queried by ${expr}) has samples in a real scrape`,
    ).toBe(true);
  }
  const known = new Set(samples.filter((s) => names.includes(s.name)).flatMap((s) => Object.keys(s.labels)));
  for (const label of labels) {
    expect(
      TARGET_LABELS.has(label) || known.has(label),
      `label ${label} in ${expr} exists on its metrics`,
    ).toBe(true);
  }
}

const root = new URL('../examples/observability/', import.meta.url);

interface Dashboard {
  readonly title: string;
  readonly uid: string;
  readonly panels: readonly { title: string; targets: readonly { expr: string }[] }[];
  readonly templating: { list: readonly { name: string; query?: unknown }[] };
}

interface RuleFile {
  readonly groups: readonly {
    name: string;
    rules: readonly {
      alert: string;
      expr: string;
      for: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }[];
  }[];
}

describe('examples/observability', () => {
  const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', root), 'utf8')) as Dashboard;
  const rules = parseYaml(readFileSync(new URL('alerts.yml', root), 'utf8')) as RuleFile;

  it('ships a Grafana dashboard whose panels each have a title and a query', () => {
    expect(dashboard.uid).toBe('mcp-middleware');
    expect(dashboard.panels.length).toBeGreaterThan(0);
    for (const panel of dashboard.panels) {
      expect(panel.title).not.toBe('');
      expect(panel.targets.length).toBeGreaterThan(0);
    }
  });

  it('queries in the dashboard only metrics and labels a real scrape has', () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    for (const variable of dashboard.templating.list) {
      const query = variable.query as { query?: string } | string | undefined;
      if (typeof query === 'object' && query.query !== undefined) exprs.push(query.query);
    }
    for (const expr of exprs) checkQuery(expr);
  });

  it('ships alert rules for failures, open breakers and rejections, each with severity and summary', () => {
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining(['McpToolFailureRatioHigh', 'McpCircuitBreakerOpen', 'McpRejectionRatioHigh']),
    );
    for (const alert of alerts) {
      expect(alert.for).toMatch(/^\d+[smh]$/);
      expect(['info', 'warning', 'critical']).toContain(alert.labels.severity);
      expect(alert.annotations.summary).toBeTruthy();
    }
  });

  it('queries in the alert rules only metrics and labels a real scrape has', () => {
    for (const alert of rules.groups.flatMap((g) => g.rules)) checkQuery(alert.expr);
  });

  it('keeps every per-tool duration query to tools/call, so other requests never count as a tool', () => {
    const exprs = [
      ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ];
    const perTool = exprs.filter(
      (e) => /by \([^)]*gen_ai_tool_name/.test(e) && e.includes('mcp_server_operation_duration_seconds'),
    );
    expect(perTool.length).toBeGreaterThan(0);
    for (const expr of perTool) {
      const selectors =
        expr.match(
          /mcp_server_operation_duration_seconds_\w+\{[^}]*\}|mcp_server_operation_duration_seconds_\w+\[/g,
        ) ?? [];
      const filtered = (selector: string): boolean =>
        selector.includes('mcp_method_name="tools/call"') || /by \([^)]*mcp_method_name/.test(expr);
      expect(selectors.every(filtered), expr).toBe(true);
    }
  });

  it('notices a query of a metric the package does not expose', () => {
    expect(() => checkQuery('sum(rate(mcp_server_calls_total[5m]))')).toThrow(/mcp_server_calls_total/);
  });
});
