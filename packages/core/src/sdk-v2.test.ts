// The fence around @modelcontextprotocol/server 2.x internals: if an SDK upgrade moves any of these, this
// file fails first and names what moved.
import { McpServer, Server } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { protocolOf, requestHandlersOf, toolRegistryOf } from './sdk-v1.js';
import { extraOfSdk, isV2Context, isV2Protocol, isV2ToolRegistry, v2NotFound } from './sdk-v2.js';

function server(): McpServer {
  const built = new McpServer({ name: 'fence', version: '1.0.0' });
  built.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return built;
}

describe('the SDK v2 fence', () => {
  it('finds the request handler map and the v2-only buildContext hook on McpServer and Server', () => {
    const mcp = server();
    const protocol = protocolOf(mcp);
    expect(protocol).toBe(mcp.server);
    expect(requestHandlersOf(protocol)?.has('tools/call')).toBe(true);
    expect(isV2Protocol(protocol)).toBe(true);
    expect(isV2Protocol(new Server({ name: 'low', version: '1' }))).toBe(true);
  });

  it('finds each registered tool with the executor v2 calls and the update that rebuilds it', () => {
    const mcp = server();
    const registry = toolRegistryOf(mcp) as Record<string, unknown>;
    expect(isV2ToolRegistry(registry)).toBe(true);
    const record = registry.echo as { executor: unknown; update: (u: object) => void };
    const before = record.executor;
    record.update({ callback: () => ({ content: [] }) });
    expect(record.executor).not.toBe(before);
  });

  it('reads a v2 context as the extra every middleware knows', () => {
    const controller = new AbortController();
    const ctx = {
      sessionId: undefined,
      mcpReq: {
        id: 9,
        method: 'tools/call',
        _meta: { traceparent: 't' },
        envelope: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
        signal: controller.signal,
        notify: () => Promise.resolve(),
        send: () => Promise.resolve({}),
      },
      http: {
        authInfo: { token: 'x', clientId: 'c', scopes: [] },
        req: new Request('http://h/mcp', { headers: { 'Mcp-Method': 'tools/call' } }),
      },
    };
    expect(isV2Context(ctx)).toBe(true);
    const extra = extraOfSdk(ctx);
    expect(extra.signal).toBe(controller.signal);
    expect(extra.requestId).toBe(9);
    expect(extra._meta).toEqual({
      traceparent: 't',
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    });
    expect(extra.authInfo?.clientId).toBe('c');
    expect(extra.requestInfo?.headers['mcp-method']).toBe('tools/call');
    expect(extraOfSdk(extra)).toBe(extra);
  });

  it('sends notifications and requests through v2’s mcpReq.notify and mcpReq.send', async () => {
    const notified: unknown[] = [];
    const sent: unknown[][] = [];
    const extra = extraOfSdk({
      mcpReq: {
        id: 1,
        method: 'tools/call',
        signal: new AbortController().signal,
        notify: (notification: unknown) => (notified.push(notification), Promise.resolve()),
        send: (...args: unknown[]) => (sent.push(args), Promise.resolve({ ok: true })),
      },
    });
    const progress = { method: 'notifications/progress', params: { progressToken: 1, progress: 1 } } as const;
    await extra.sendNotification(progress);
    const schema = z.object({});
    const answer = await extra.sendRequest({ method: 'roots/list' }, schema, { timeout: 5 });
    expect(notified).toEqual([progress]);
    expect(sent).toEqual([[{ method: 'roots/list' }, schema, { timeout: 5 }]]);
    expect(answer).toEqual({ ok: true });
  });

  it('answers an unknown resource, prompt and tool with v2’s own codes and texts', () => {
    expect(v2NotFound('resources/read', 'x://1')).toMatchObject({
      code: -32602,
      message: 'Resource not found: x://1',
      data: { uri: 'x://1' },
    });
    expect(v2NotFound('prompts/get', 'p')).toMatchObject({ code: -32602, message: 'Prompt p not found' });
    expect(v2NotFound('tools/call', 't')).toMatchObject({ code: -32602, message: 'Tool t not found' });
  });
});
