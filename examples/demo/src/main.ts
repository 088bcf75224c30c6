// The one-command demo: a server behind the full pipeline from mcp-middleware.yaml, driven by the real SDK
// client through a day in production, first in process, then through the mcp-middleware gateway over HTTP
// with API keys. It prints a table per run, the trace of one call, the log lines and a metrics excerpt.
import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createGateway } from '@mcp-middleware/cli';
import {
  builtins,
  createPipeline,
  loadConfig,
  type McpMiddlewareConfig,
  type RegistryEntry,
} from '@mcp-middleware/config';
import { EventChannel, withMiddleware, type MiddlewareEvent } from '@mcp-middleware/core';
import { logging } from '@mcp-middleware/logging';
import { WIDTH, logLine, storyTable, traceTree, wrap, type SpanNode } from './render.js';
import { tellStory, type Step } from './story.js';
import { createDemoServer, type DemoState } from './tools.js';

const CONFIG = fileURLToPath(new URL('../mcp-middleware.yaml', import.meta.url));

/** What one run of the demo gathered. */
export interface DemoResult {
  readonly inProcess: Step[];
  readonly gateway: Step[];
  readonly trace: string[];
  readonly logs: Record<string, unknown>[];
  readonly metrics: string[];
}

const newState = (): DemoState => ({
  searchCalls: 0,
  flakyCalls: 0,
  inventoryCalls: 0,
  deleteCalls: 0,
  reportCalls: 0,
  invoiceCalls: 0,
  inventoryDown: false,
});

// The built-ins, with logging writing pino lines into `logs` (printed pretty later) instead of stderr.
function registryLoggingTo(logs: Record<string, unknown>[]): RegistryEntry[] {
  const logger = pino(
    { level: 'error' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return builtins.map((entry) =>
    entry.name === 'logging'
      ? { ...entry, create: (options) => logging({ ...options, level: undefined, logger }) }
      : entry,
  );
}

// An MCP server on Streamable HTTP in this process: the gateway's upstream.
async function serveOverHttp(state: DemoState): Promise<{ url: URL; server: HttpServer }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const server = createServer((req, res) => {
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? sessions.get(id) : undefined;
    if (known !== undefined) return void known.handleRequest(req, res);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
    });
    void createDemoServer(state)
      .connect(transport)
      .then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/mcp`), server };
}

/** A client whose user approves what they are asked (elicitation), and says what they were asked. */
function humanClient(asked: string[]): Client {
  const client = new Client(
    { name: 'demo-client', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message);
    return { action: 'accept', content: { approve: true } };
  });
  return client;
}

const resetMs = (config: McpMiddlewareConfig): number =>
  Number(config.pipeline.find((e) => e.name === 'circuitBreaker')?.options.resetTimeoutMs ?? 0);

async function inProcess(
  config: McpMiddlewareConfig,
  registry: readonly RegistryEntry[],
  metrics: Registry,
): Promise<Step[]> {
  const state = newState();
  const built = await createPipeline(config, { registry, metricsRegistry: metrics });
  const events = new EventChannel();
  const seen: MiddlewareEvent[] = [];
  events.subscribe((event) => seen.push(event));
  const server = withMiddleware(createDemoServer(state), built.middlewares, { events });
  let scopes = ['docs:read'];
  const asked: string[] = [];
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  // authInfo as an HTTP layer would set it, with the scopes of the moment.
  const send = clientSide.send.bind(clientSide);
  clientSide.send = (message, options) =>
    send(message, {
      ...options,
      authInfo: {
        token: 'demo-token',
        clientId: 'demo-app',
        scopes,
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
    });
  const client = humanClient(asked);
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  const close = async (): Promise<void> => {
    await client.close();
    await server.close();
  };
  try {
    return await tellStory({
      reader: client,
      admin: () => {
        scopes = ['docs:read', 'admin'];
        return Promise.resolve(client);
      },
      asked,
      events: seen,
      state,
      resetMs: resetMs(config),
    });
  } finally {
    await close();
    await built.close();
  }
}

async function throughGateway(
  config: McpMiddlewareConfig,
  registry: readonly RegistryEntry[],
): Promise<Step[]> {
  const state = newState();
  const upstream = await serveOverHttp(state);
  const built = await createPipeline(config, { registry, metricsRegistry: new Registry() });
  const events = new EventChannel();
  const seen: MiddlewareEvent[] = [];
  events.subscribe((event) => seen.push(event));
  const gateway = await createGateway({
    upstream: { url: upstream.url.href },
    pipeline: built.middlewares,
    listen: 'http://127.0.0.1:0/mcp',
    auth: config.pipeline.find((e) => e.name === 'auth')?.options,
    runner: { events },
  });
  const clients: Client[] = [];
  const asked: string[] = [];
  const connect = async (apiKey: string): Promise<Client> => {
    const client = humanClient(asked);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(String(gateway.url)), {
        requestInit: { headers: { 'x-api-key': apiKey } },
      }),
    );
    clients.push(client);
    return client;
  };
  try {
    return await tellStory({
      reader: await connect('demo-reader-key'),
      admin: () => connect('demo-admin-key'),
      asked,
      events: seen,
      state,
      resetMs: resetMs(config),
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await gateway.close({ drainTimeoutMs: 0 });
    await built.close();
    upstream.server.closeAllConnections();
    await new Promise((resolve) => upstream.server.close(resolve));
  }
}

function spanNode(span: ReadableSpan): SpanNode {
  const [s, ns] = span.duration;
  return {
    id: span.spanContext().spanId,
    parentId: span.parentSpanContext?.spanId,
    name: span.name,
    ms: s * 1000 + ns / 1e6,
    error: span.status.code === SpanStatusCode.ERROR ? (span.status.message ?? 'error') : undefined,
  };
}

/** Runs the story in process and through the gateway; `main` prints what it returns. */
export async function runDemo(configPath = CONFIG): Promise<DemoResult> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  const logs: Record<string, unknown>[] = [];
  const registry = registryLoggingTo(logs);
  const config = loadConfig(configPath);
  const metricsRegistry = new Registry();
  try {
    const steps = await inProcess(config, registry, metricsRegistry);
    const spans = exporter.getFinishedSpans().map(spanNode);
    const root = spans.find((s) => s.name.endsWith('fetch_price') && spans.some((c) => c.parentId === s.id));
    const gatewaySteps = await throughGateway(config, registry);
    const text = await metricsRegistry.metrics();
    const metrics = text
      .split('\n')
      .filter((line) => /^mcp_middleware_(rejections|retries|cache_requests)_total\{/.test(line));
    return {
      inProcess: steps,
      gateway: gatewaySteps,
      trace: root === undefined ? [] : traceTree(spans, root),
      logs,
      metrics,
    };
  } finally {
    trace.disable();
    context.disable();
  }
}

/** Everything the demo prints, its first table first. */
export function renderDemo(result: DemoResult, seconds: number): string {
  const section = (title: string): string[] => ['', ...wrap(title, WIDTH)];
  return [
    ...storyTable(result.inProcess),
    ...section('Above: one McpServer behind the pipeline of examples/demo/mcp-middleware.yaml, in process,'),
    'the caller known from the transport’s authInfo. Below: the same story through the gateway',
    '(createGateway from @mcp-middleware/cli, HTTP, the same file), callers known by their x-api-key.',
    '',
    ...storyTable(result.gateway),
    ...section(
      'Through the gateway the upstream answers a failing tool with an isError result: the tool ' +
        'answered, so retry and the breaker leave it alone (rows 8, 11-14), as they would in process. ' +
        'The admin is a caller of its own (another API key), with a rate limit of its own (row 10).',
    ),
    ...section('The trace of the flaky call (tracing, the handler’s own spans beneath):'),
    ...result.trace.map((line) => `  ${line}`),
    ...section(`What logging wrote (pino JSON, ${result.logs.length} lines, shown pretty):`),
    ...result.logs.flatMap(logLine),
    ...section('Metrics (an excerpt of GET /metrics):'),
    ...result.metrics.flatMap((line) => wrap(line, WIDTH - 2).map((l) => `  ${l}`)),
    '',
    `done in ${seconds.toFixed(1)} s`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const result = await runDemo();
  process.stdout.write(`${renderDemo(result, (performance.now() - started) / 1000)}\n`);
}
