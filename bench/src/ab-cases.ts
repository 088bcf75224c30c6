/**
 * The cases an A/B times, each built from one build's own factories: every layer alone as its bench case
 * sets it up (src/cases), the nine layers without the cache, and the full pipeline on a miss and a hit.
 */
import { pino } from 'pino';
import type { Middleware, ToolArgs, ToolExtra, ToolInfo } from '@mcp-middleware/core';
import type { Kit } from './ab-build.js';
import type { BenchOp } from './harness.js';
import { benchArgs, benchExtra, benchTool, rawHandler } from './tool.js';
import { layeredPipeline, NEVER, type Built } from './layers.js';

/** One case, built the same way from either build. */
export interface AbCase {
  readonly name: string;
  /** `repeat`: the same args every call; `distinct`: a new `limit` every call (a cache miss). */
  readonly args: 'repeat' | 'distinct';
  readonly extra?: Partial<ToolExtra>;
  readonly tool?: ToolInfo;
  build(kit: Kit): Built;
}

// The same caller as pipelines.ts's benchAuthInfo, without importing that module (it loads the workspace).
const authInfo = Object.freeze({
  token: 'opaque-access-token',
  clientId: 'bench-client',
  scopes: ['tools:read'],
  expiresAt: Math.floor(Date.now() / 1000) + 86_400,
});

// The bench tool without a schema: only validation's payload guards run (src/cases/validation.ts).
const schemaless: ToolInfo = Object.freeze({ name: benchTool.name, annotations: benchTool.annotations });

// Formats every line and throws it away: the case measures pino and the middleware (src/cases/logging.ts).
const discard = { write: (_line: string): void => {} };

const alone = (pipeline: Middleware[]): Built => ({ pipeline, teardown: () => Promise.resolve() });

// A pass-through layer as src/cases/core.ts writes it: a new function per layer.
const noop = (): Middleware =>
  function noop(_ctx, next) {
    return next();
  };

function layer(
  name: string,
  make: (kit: Kit) => Middleware,
  more: Partial<Omit<AbCase, 'name' | 'build'>> = {},
): AbCase {
  return { name, args: 'repeat', ...more, build: (kit) => alone([make(kit)]) };
}

/** Every case, in the order the report lists them. */
export const AB_CASES: readonly AbCase[] = [
  { name: 'runner-empty', args: 'repeat', build: () => alone([]) },
  {
    name: 'compose-10-noop',
    args: 'repeat',
    build: () => alone(Array.from({ length: 10 }, noop)),
  },
  layer('auth-authinfo', (kit) => kit.layers.auth(), { extra: { authInfo } }),
  layer('ratelimit-memory', (kit) => kit.layers.rateLimit({ limit: NEVER })),
  layer('validation-guards', (kit) => kit.layers.validation(), { tool: schemaless }),
  layer('cache-hit', (kit) => kit.layers.cache()),
  layer('cache-miss', (kit) => kit.layers.cache(), { args: 'distinct', extra: { authInfo } }),
  layer('retry', (kit) => kit.layers.retry()),
  {
    name: 'circuit-breaker',
    args: 'repeat',
    build(kit) {
      const breaker = kit.layers.circuitBreaker();
      return { pipeline: [breaker], teardown: () => Promise.resolve(breaker.shutdown()) };
    },
  },
  layer('timeout', (kit) => kit.layers.timeout()),
  layer('metrics', (kit) => kit.layers.metrics()),
  layer('tracing (no SDK)', (kit) => kit.layers.tracing()),
  layer('logging (info, success)', (kit) => kit.layers.logging({ logger: pino({ level: 'info' }, discard) })),
  {
    name: 'full-pipeline-no-cache',
    args: 'distinct',
    extra: { authInfo },
    build: (kit) => layeredPipeline(kit.layers, { withCache: false }),
  },
  {
    name: 'full-pipeline',
    args: 'distinct',
    extra: { authInfo },
    build: (kit) => layeredPipeline(kit.layers, { withCache: true }),
  },
  {
    name: 'full-pipeline (cache hit)',
    args: 'repeat',
    extra: { authInfo },
    build: (kit) => layeredPipeline(kit.layers, { withCache: true }),
  },
];

// A new `limit` per call, as src/cases/pipeline.ts makes them: the cache misses and every layer runs.
function distinctArgs(): () => ToolArgs {
  let i = 0;
  return () => ({ query: benchArgs.query, limit: i++ });
}

/**
 * The case on one build through that build's own runner. One call is made first: a misconfigured
 * pipeline answers `isError` fast and would look cheap.
 */
export async function setUp(spec: AbCase, kit: Kit): Promise<BenchOp> {
  const built = spec.build(kit);
  const runner = kit.createToolRunner(built.pipeline, { debug: false });
  const run = runner.bind(spec.tool ?? benchTool, (ctx) => rawHandler(ctx.args, ctx.extra));
  const extra = benchExtra(spec.extra);
  const first = await run(benchArgs, extra);
  if (first.isError === true) throw new Error(`${spec.name} on ${kit.label}: ${JSON.stringify(first)}`);
  if (spec.args === 'repeat') return { run: () => run(benchArgs, extra), teardown: built.teardown };
  const next = distinctArgs();
  return { run: () => run(next(), extra), teardown: built.teardown };
}
