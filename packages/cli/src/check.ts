/**
 * `mcp-middleware check`: a compact table of what each tool gets, warnings about a pipeline order that
 * breaks the documented guarantees, and (given an upstream) `tools:` keys that match no tool.
 */
import { createPipeline, loadConfig, toolSelectorOf, type McpMiddlewareConfig } from '@mcp-middleware/config';
import type { ToolAnnotations, ToolInfo } from '@mcp-middleware/core';
import { toolMatcher } from '@mcp-middleware/core/helpers';
import { gatewayRegistry } from './gateway-config.js';
import type { UpstreamSpec } from './upstream.js';

/** The widest line `check` prints (a terminal of 100 columns). */
export const CHECK_WIDTH = 100;

/** The documented pipeline order, outermost first (ARCHITECTURE.md, the READMEs). */
export const DOCUMENTED_ORDER = [
  'tracing',
  'metrics',
  'logging',
  'auth',
  'rateLimit',
  'validation',
  'approval',
  'idempotency',
  'cache',
  'concurrencyLimit',
  'retry',
  'circuitBreaker',
  'timeout',
] as const;

// Why a middleware must sit outside the ones documented after it.
const WHY: Readonly<Record<(typeof DOCUMENTED_ORDER)[number], string>> = {
  tracing: 'observability goes outermost, so it sees every rejection',
  metrics: 'observability goes outermost, so it sees every rejection',
  logging: 'observability goes outermost, so it sees every rejection',
  auth: 'auth goes before the limits and the cache, so they count and key per principal',
  rateLimit: 'a caller over its limit is turned away before any work is done for it',
  validation: 'validation goes before the cache, so keys use checked arguments',
  approval: 'approval goes before anything that runs a write',
  idempotency: 'idempotency goes before anything that runs a write',
  cache: 'a cache hit takes no concurrency slot and skips retry, breaker and timeout',
  concurrencyLimit: 'a call holds one slot for all its retry attempts',
  retry: 'every retry attempt passes the breaker and gets its own deadline',
  circuitBreaker: 'the breaker counts an attempt that timed out as a failure',
  timeout: 'the deadline is innermost, around the handler',
};

const rank = new Map<string, number>(DOCUMENTED_ORDER.map((name, index) => [name, index]));

/** One warning per middleware placed inside one it is documented to be outside of. */
export function orderWarnings(names: readonly string[]): string[] {
  const warnings: string[] = [];
  for (const [index, name] of names.entries()) {
    const own = rank.get(name);
    if (own === undefined) continue;
    const before = names.slice(0, index).filter((other) => (rank.get(other) ?? -1) > own);
    if (before.length === 0) continue;
    const list = [...new Set(before)].map((other) => `\`${other}\``).join(', ');
    warnings.push(`\`${name}\` runs inside ${list}, but belongs outside: ${WHY[name as keyof typeof WHY]}`);
  }
  return warnings;
}

// A `tools:` key as a tool for describe(): named by the key, carrying an annotation key's annotations.
function keyAsTool(key: string): ToolInfo {
  const selector = toolSelectorOf(key);
  // A file's key is a glob, a list of globs or annotations, never a predicate.
  return typeof selector === 'object' && !Array.isArray(selector)
    ? { name: key, annotations: selector as ToolAnnotations }
    : { name: key };
}

/** The `tools:` keys that match none of `tools` (names only: an annotation key is never listed). */
export function unmatchedSelectors(keys: readonly string[], tools: readonly string[]): string[] {
  return keys.filter((key) => {
    if (keyAsTool(key).annotations !== undefined) return false;
    const matches = toolMatcher(toolSelectorOf(key));
    return !tools.some((name) => matches({ name }));
  });
}

/** Greedy wrap at `width`, breaking after commas, before arrows and at spaces; overlong words are cut. */
export function wrap(text: string, width: number): string[] {
  const pieces = text.split(/(?<=,)|(?= → )|(?<= )/);
  const lines: string[] = [];
  let line = '';
  for (let piece of pieces) {
    if (line.length + piece.length > width && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = '';
      piece = piece.replace(/^ +/, '');
    }
    while (piece.length > width) {
      lines.push(piece.slice(0, width));
      piece = piece.slice(width);
    }
    line += piece;
  }
  if (line.trim() !== '' || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

/** Two columns, the right one wrapped so no line passes {@link CHECK_WIDTH}; a long key gets a line of its own. */
export function table(heading: [string, string], rows: readonly (readonly [string, string])[]): string[] {
  const keyWidth = Math.min(28, Math.max(heading[0].length, ...rows.map(([key]) => key.length)));
  const valueWidth = CHECK_WIDTH - keyWidth - 2;
  const pad = ' '.repeat(keyWidth + 2);
  const lines = [`${heading[0].padEnd(keyWidth)}  ${heading[1]}`.slice(0, CHECK_WIDTH)];
  lines.push(`${'─'.repeat(keyWidth)}  ${'─'.repeat(Math.min(valueWidth, heading[1].length))}`);
  for (const [key, value] of rows) {
    const wrapped = wrap(value, valueWidth);
    if (key.length > keyWidth) {
      lines.push(...wrap(key, CHECK_WIDTH));
      lines.push(...wrapped.map((line) => pad + line));
    } else {
      lines.push(...wrapped.map((line, i) => (i === 0 ? key.padEnd(keyWidth) + '  ' : pad) + line));
    }
  }
  return lines;
}

// `rateLimit {"limit":5}` or `retry: off`, as createPipeline's describe() gives them.
function split(description: string): [name: string, options: string] {
  const off = /^(\S+): off$/.exec(description);
  if (off !== null) return [off[1] as string, 'off'];
  const space = description.indexOf(' ');
  return space === -1 ? [description, '{}'] : [description.slice(0, space), description.slice(space + 1)];
}

/** Lists the upstream's tool names (connects, lists every page, disconnects). */
export type ToolLister = (upstream: UpstreamSpec) => Promise<readonly string[]>;

async function listUpstreamTools(upstream: UpstreamSpec): Promise<readonly string[]> {
  const [{ connectUpstream }, { fetchTools }, { VERSION }] = await Promise.all([
    import('./upstream.js'),
    import('./tool-table.js'),
    import('./version.js'),
  ]);
  const connection = await connectUpstream(upstream, {
    clientInfo: { name: 'mcp-middleware-check', version: VERSION },
    connectTimeoutMs: 10_000,
    probeTimeoutMs: 5_000,
  });
  try {
    return (await fetchTools(connection, 10_000)).map((tool) => tool.name);
  } finally {
    await connection.close();
  }
}

/** What `check` needs besides the file. */
export interface CheckOptions {
  /** An upstream whose tools the `tools:` keys are matched against. */
  readonly upstream?: UpstreamSpec | undefined;
  /** @default connects to the upstream as the gateway would */
  readonly listTools?: ToolLister;
}

function describeConfig(
  config: McpMiddlewareConfig,
  describe: (tool: string | ToolInfo) => string[],
): [middlewares: string[], tools: string[]] {
  const base = describe('\u0000').map(split);
  const middlewares = table(
    ['middleware', 'options (environment values as written, secrets masked)'],
    base.map(([name, options]) => [name, options === '{}' ? 'defaults' : options]),
  );
  const rows: [string, string][] = [['(other tools)', base.map(([name]) => name).join(' → ')]];
  for (const key of Object.keys(config.tools)) {
    const own = describe(keyAsTool(key)).map(split);
    const changes = own
      .filter(([, options], index) => options !== base[index]?.[1])
      .map(([name, options]) => (options === 'off' ? `${name}: off` : `${name} ${options}`));
    rows.push([key, changes.length === 0 ? 'same as other tools' : changes.join(', ')]);
  }
  return [middlewares, table(['tools', 'pipeline, outermost first (for a tools: key, what differs)'], rows)];
}

/**
 * Validates `configPath` and describes it: each middleware's options, the pipeline other tools get, what
 * each `tools:` key changes, then warnings. Throws the config's ConfigFileError when the file is invalid.
 */
export async function checkConfigFile(configPath: string, options: CheckOptions = {}): Promise<string> {
  const config = loadConfig(configPath, { registry: gatewayRegistry });
  const built = await createPipeline(config, { registry: gatewayRegistry });
  await built.close();
  const [middlewares, tools] = describeConfig(config, (tool) => built.describe(tool));
  const count = config.pipeline.length;
  const warnings = orderWarnings(config.pipeline.map((entry) => entry.use ?? entry.name));
  const misordered = warnings.length > 0;
  if (options.upstream !== undefined) {
    const names = await (options.listTools ?? listUpstreamTools)(options.upstream);
    for (const key of unmatchedSelectors(Object.keys(config.tools), names))
      warnings.push(`tools: key \`${key}\` matches none of the upstream's ${names.length} tools`);
  }
  const lines = [
    `${configPath}: valid, ${count} middleware${count === 1 ? '' : 's'}`,
    '',
    ...middlewares,
    '',
    ...tools,
  ];
  if (warnings.length > 0) {
    lines.push('', `${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`);
    for (const warning of warnings)
      lines.push(...wrap(`- ${warning}`, CHECK_WIDTH - 2).map((line, i) => (i === 0 ? line : `  ${line}`)));
    if (misordered) lines.push(...wrap(`documented order: ${DOCUMENTED_ORDER.join(' → ')}`, CHECK_WIDTH));
  }
  return lines.join('\n');
}
