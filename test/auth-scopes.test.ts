// Per-tool scopes and roles through a real McpServer and Client: the SDK hands auth() the caller's authInfo.
import { apiKeys, auth, envCredential, hashApiKey } from '@mcp-middleware/auth';
import { ERROR_META_KEY, principalKey, when, withMiddleware, type AuthInfo } from '@mcp-middleware/core';
import { connectInMemory, type InMemoryConnection } from '@mcp-middleware/core/testing';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

let caller: AuthInfo | undefined;
let connection: InMemoryConnection;

const as = (scopes: string[], roles: string[] = []): AuthInfo => ({
  token: 'in-memory-token',
  clientId: 'app',
  scopes,
  extra: { sub: 'alice', roles },
});

async function call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await connection.client.callTool({ name, arguments: args })) as CallToolResult;
}

const detail = (result: CallToolResult): { code?: string; data?: Record<string, unknown> } =>
  result._meta?.[ERROR_META_KEY] ?? {};

const text = (result: CallToolResult): string => (result.content[0] as { text: string }).text;

beforeAll(async () => {
  const server = new McpServer({ name: 'scopes', version: '1.0.0' });
  withMiddleware(server, [
    when(
      '!public_*',
      auth({
        forbidden: 'refuse',
        tools: {
          'read_*': { scopes: ['files:read'] },
          'admin_*': { scopes: ['admin'] },
          admin_purge: { scopes: ['admin', 'audit'] },
          deploy: { roles: ['ops', 'sre'] },
        },
      }),
    ),
  ]);
  const ok = (): CallToolResult => ({ content: [{ type: 'text', text: 'done' }] });
  server.registerTool('read_file', { inputSchema: { path: z.string() } }, ({ path }) => ({
    content: [{ type: 'text', text: `contents of ${path}` }],
  }));
  server.registerTool('admin_reset', {}, ok);
  server.registerTool('admin_purge', {}, ok);
  server.registerTool('deploy', {}, ok);
  server.registerTool('search', {}, ok);
  server.registerTool('public_status', {}, ok);
  connection = await connectInMemory(server, { authInfo: () => caller });
});

afterAll(async () => {
  await connection.close();
});

describe("per-tool scopes through McpServer and Client, refused visibly (forbidden: 'refuse')", () => {
  it('lets a caller with the read scope read a file', async () => {
    caller = as(['files:read']);
    expect(text(await call('read_file', { path: 'a.txt' }))).toBe('contents of a.txt');
  });

  it('refuses admin_reset to a caller without admin, naming the scope', async () => {
    caller = as(['files:read']);
    const result = await call('admin_reset');
    expect([result.isError, detail(result).code, text(result)]).toEqual([
      true,
      'FORBIDDEN',
      'tool `admin_reset` requires the scope `admin`, which the caller lacks; ask for a token that grants them',
    ]);
  });

  it('names every scope admin_purge needs in one refusal', async () => {
    caller = as([]);
    expect(detail(await call('admin_purge')).data?.['missingScopes']).toEqual(['admin', 'audit']);
  });

  it('names only the scope still missing when the caller holds the others', async () => {
    caller = as(['admin']);
    expect(detail(await call('admin_purge')).data?.['missingScopes']).toEqual(['audit']);
  });

  it('admits admin_purge with both scopes', async () => {
    caller = as(['admin', 'audit']);
    expect((await call('admin_purge')).isError).toBeFalsy();
  });

  it('refuses deploy to a caller without one of its roles', async () => {
    caller = as(['admin'], ['dev']);
    expect(detail(await call('deploy')).data?.['missingRoles']).toEqual([['ops', 'sre']]);
  });

  it('admits deploy to a caller with one of its roles', async () => {
    caller = as([], ['sre']);
    expect((await call('deploy')).isError).toBeFalsy();
  });

  it('lets any authenticated caller use a tool no glob names', async () => {
    caller = as([]);
    expect((await call('search')).isError).toBeFalsy();
  });

  it('refuses every protected tool to a caller without credentials', async () => {
    caller = undefined;
    expect(detail(await call('search'))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('leaves tools outside the when() selector open to anyone', async () => {
    caller = undefined;
    expect((await call('public_status')).isError).toBeFalsy();
  });

  it('refuses an expired authInfo even though the transport delivered it', async () => {
    caller = { ...as(['admin']), expiresAt: Math.floor(Date.now() / 1000) - 1 };
    expect(detail(await call('search')).data).toEqual({ reason: 'expired' });
  });
});

describe('a stdio-style server with its credential in the environment', () => {
  it('runs every call as the principal of the key the client launched it with', async () => {
    const server = new McpServer({ name: 'stdio-like', version: '1.0.0' });
    const verifier = apiKeys({
      keys: [{ id: 'desktop', sha256: hashApiKey('launch-key'), scopes: ['admin'] }],
    });
    withMiddleware(server, [
      auth({
        from: envCredential({ verifier, env: { MCP_AUTH_TOKEN: 'launch-key' } }),
        tools: { 'admin_*': { scopes: ['admin'] } },
      }),
      async (ctx, next) => {
        const result = await next(ctx);
        return { ...result, content: [{ type: 'text', text: ctx.get(principalKey)?.id ?? 'nobody' }] };
      },
    ]);
    server.registerTool('admin_reset', {}, () => ({ content: [] }));
    const stdio = await connectInMemory(server);
    try {
      const result = (await stdio.client.callTool({ name: 'admin_reset', arguments: {} })) as CallToolResult;
      expect(text(result)).toBe('desktop');
    } finally {
      await stdio.close();
    }
  });
});
