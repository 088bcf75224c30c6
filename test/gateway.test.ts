// The gateway in-process in front of a real stdio upstream (the fixture McpServer, spawned), driven by a real Client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiddlewareError, type Middleware, type ToolInfo } from '@mcp-middleware/core';
import { connectInMemory } from '@mcp-middleware/core/testing';
import {
  createGateway,
  GatewayError,
  type Gateway,
  type GatewayEvent,
  type GatewayOptions,
} from '@mcp-middleware/cli';
import { stdioFixture } from './fixtures/stdio-fixture.js';
import { abortBlocked, cancelledCount, errorCode, eventRecorder, text } from './fixtures/upstream-helpers.js';
import { createUpstreamServer, createUpstreamState } from './fixtures/upstream-tools.js';

const upstream = stdioFixture('upstream-server.ts');

interface Harness {
  readonly gateway: Gateway;
  readonly client: Client;
  readonly events: GatewayEvent[];
  next(type: GatewayEvent['type']): Promise<GatewayEvent>;
}

async function start(options: Partial<GatewayOptions> = {}): Promise<Harness> {
  const recorder = eventRecorder<GatewayEvent>();
  const gateway = await createGateway({ upstream, ...options, onEvent: recorder.onEvent });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await gateway.connect(serverSide);
  const client = new Client({ name: 'gateway-test', version: '1.0.0' });
  await client.connect(clientSide);
  return { gateway, client, events: recorder.events, next: recorder.next };
}

describe('gateway over a stdio upstream', () => {
  let h: Harness;
  const seen: ToolInfo[] = [];
  const recorder: Middleware = async function recorder(ctx, next) {
    seen.push(ctx.tool);
    if (ctx.args?.text === 'forbidden') throw new MiddlewareError('FORBIDDEN', 'echoing that is not allowed');
    return next();
  };

  beforeAll(async () => {
    h = await start({ pipeline: [recorder] });
  });
  afterAll(async () => {
    await h.client.close();
    await h.gateway.close();
  });

  it('lists the upstream tools with their JSON Schemas and annotations untouched', async () => {
    const direct = await connectInMemory(createUpstreamServer(createUpstreamState(() => undefined)));
    const expected = await direct.client.listTools();
    await direct.close();
    const { tools } = await h.client.listTools();
    expect(tools).toEqual(expected.tools);
  });

  it('forwards a call and returns the upstream result', async () => {
    const result = await h.client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(text(result)).toBe('hello');
  });

  it('passes structured content through for a tool with an output schema', async () => {
    const result = await h.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(result.structuredContent).toEqual({ sum: 5 });
  });

  it('passes an isError answer through unchanged, without an error code of its own', async () => {
    const result = await h.client.callTool({ name: 'fail', arguments: {} });
    expect(result).toEqual({ content: [{ type: 'text', text: 'upstream says no' }], isError: true });
  });

  it('runs each call through the pipeline with the upstream tool as ToolInfo', async () => {
    seen.length = 0;
    await h.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      name: 'add',
      annotations: { readOnlyHint: true },
      inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
      outputSchema: { type: 'object', properties: { sum: { type: 'number' } } },
    });
  });

  it('hands the same ToolInfo object to every call of a tool', async () => {
    seen.length = 0;
    await h.client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await h.client.callTool({ name: 'echo', arguments: { text: 'b' } });
    expect(seen[0]).toBe(seen[1]);
  });

  it('lets a middleware answer without calling the upstream', async () => {
    const result = await h.client.callTool({ name: 'echo', arguments: { text: 'forbidden' } });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('FORBIDDEN');
  });

  it('forwards a call to a tool it has not listed, and the upstream answers', async () => {
    const result = await h.client.callTool({ name: 'no_such_tool', arguments: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('no_such_tool');
  });

  it('forwards upstream progress to the client that asked for it', async () => {
    const progress: { progress: number; total?: number | undefined }[] = [];
    const result = await h.client.callTool({ name: 'progress', arguments: { steps: 3 } }, undefined, {
      onprogress: (p) => progress.push({ progress: p.progress, total: p.total }),
    });
    expect(text(result)).toBe('done');
    expect(progress).toEqual([
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
      { progress: 3, total: 3 },
    ]);
  });

  it('cancels the upstream call when the client cancels', async () => {
    const before = await cancelledCount(h.client);
    await expect(abortBlocked(h.client, new Error('client gave up'))).rejects.toThrow('client gave up');
    expect(await cancelledCount(h.client)).toBe(before + 1);
  });

  it('forwards upstream log messages to the client', async () => {
    const received = new Promise<LoggingMessageNotification['params']>((resolve) => {
      h.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => resolve(n.params));
    });
    await h.client.callTool({ name: 'log', arguments: { message: 'disk almost full' } });
    expect(await received).toEqual({ level: 'warning', logger: 'fixture', data: 'disk almost full' });
  });

  it('lists and reads resources and resource templates through the upstream', async () => {
    const { resources } = await h.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['fixture://greeting']);
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['fixture://items/{id}']);
    const read = await h.client.readResource({ uri: 'fixture://items/42' });
    expect(read.contents).toEqual([{ uri: 'fixture://items/42', text: 'item 42' }]);
  });

  it('lists and gets prompts through the upstream', async () => {
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['greet']);
    const prompt = await h.client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
    expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Say hello to Ada' } }]);
  });

  it('presents the upstream server name, version and instructions', () => {
    expect(h.client.getServerVersion()).toMatchObject({ name: 'fixture-upstream', version: '1.2.3' });
    expect(h.client.getInstructions()).toBe('A fixture server for gateway tests.');
  });

  it('forwards a tool list change, then runs the new tool with its own ToolInfo', async () => {
    const changed = new Promise<void>((resolve) => {
      h.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve());
    });
    await h.client.callTool({ name: 'add_tool', arguments: { name: 'late' } });
    await changed;
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toContain('late');
    seen.length = 0;
    expect(text(await h.client.callTool({ name: 'late', arguments: {} }))).toBe('I am late');
    expect(seen[0]).toMatchObject({ name: 'late', annotations: { title: 'added late' } });
  });
});

// Each test here spawns the fixture through tsx (the restart test twice); on a loaded machine a spawn
// alone can take seconds, so these get more time than the default.
describe('gateway lifecycle with a stdio upstream', { timeout: 60_000 }, () => {
  it('answers the call in flight with UPSTREAM_ERROR when the upstream exits mid-call, then stops', async () => {
    const h = await start();
    const result = await h.client.callTool({ name: 'crash', arguments: {} });
    expect(result.isError).toBe(true);
    expect(errorCode(result)).toBe('UPSTREAM_ERROR');
    expect(text(result)).toContain('went away while tool `crash` was running');
    await expect(h.gateway.closed).resolves.toMatchObject({ reason: 'upstream-lost' });
    expect(h.gateway.ready).toBe(false);
  });

  it('restarts a lost upstream when restart is on, and announces the tool list again', async () => {
    const h = await start({ restart: { delayMs: 1 } });
    const changed = new Promise<void>((resolve) => {
      h.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve());
    });
    const reconnected = h.next('upstream-connected');
    expect(errorCode(await h.client.callTool({ name: 'crash', arguments: {} }))).toBe('UPSTREAM_ERROR');
    await expect(reconnected).resolves.toMatchObject({ restart: true });
    await changed;
    expect(text(await h.client.callTool({ name: 'echo', arguments: { text: 'back' } }))).toBe('back');
    await h.gateway.close();
    await expect(h.gateway.closed).resolves.toEqual({ reason: 'closed' });
  });

  it('fails to start with a clear message when the command does not exist', async () => {
    const failure = createGateway({ upstream: { command: 'mcp-middleware-no-such-command' } });
    await expect(failure).rejects.toThrow(GatewayError);
    await expect(failure).rejects.toThrow('command `mcp-middleware-no-such-command` was not found');
  });

  it('fails to start with the upstream stderr when it exits before the handshake', async () => {
    const script = "process.stderr.write('cannot open database /nonexistent.db\\n'); process.exit(2)";
    const failure = createGateway({
      upstream: { command: process.execPath, args: ['-e', script], stderr: 'ignore' },
    });
    await expect(failure).rejects.toThrow(/exited before completing the MCP handshake.*cannot open database/);
  });
});
