// auth through `mcp-middleware proxy`: with API keys in the config and no key sent, nothing is listed, read or
// fetched (stdio: JSON-RPC errors), and over HTTP every request, initialize included, gets 401 with the challenge.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey } from '@mcp-middleware/auth';
import { runCli, type CliIo } from '@mcp-middleware/cli';
import { ERROR_META_KEY } from '@mcp-middleware/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToGateway, spawnGateway, stopGateway } from './fixtures/gateway-spawn.js';
import { initializeRequest, postInitialize } from './fixtures/raw-initialize.js';
import { serveHttp, type HttpFixture } from './helpers/http-server.js';

const USER_KEY = 'gateway-user-key';
const ADMIN_KEY = 'gateway-admin-key';

/** The upstream: a tool, a prompt and a resource, each with an admin-only twin. */
function upstreamServer(): McpServer {
  const server = new McpServer({ name: 'gateway-auth-upstream', version: '1.0.0' });
  for (const name of ['echo', 'admin_echo']) {
    server.registerTool(name, {}, () => ({ content: [{ type: 'text', text: name }] }));
  }
  for (const name of ['greet', 'admin_greet']) {
    server.registerPrompt(name, {}, () => ({
      messages: [{ role: 'user', content: { type: 'text', text: name } }],
    }));
  }
  for (const uri of ['docs://readme', 'secret://keys']) {
    server.registerResource(uri, uri, {}, () => ({ contents: [{ uri, text: uri }] }));
  }
  return server;
}

let upstream: HttpFixture;
let configPath: string;

beforeAll(async () => {
  upstream = await serveHttp(upstreamServer);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-auth-'));
  configPath = join(dir, 'mcp-middleware.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      pipeline: [
        {
          auth: {
            apiKeys: {
              keys: [
                { id: 'user', sha256: hashApiKey(USER_KEY) },
                { id: 'admin', sha256: hashApiKey(ADMIN_KEY), scopes: ['admin'] },
              ],
            },
            tools: { 'admin_*': { scopes: ['admin'] } },
            prompts: { 'admin_*': { scopes: ['admin'] } },
            resources: { 'secret://*': { scopes: ['admin'] } },
          },
        },
      ],
    }),
  );
});

afterAll(async () => {
  await upstream.close();
});

/** The JSON-RPC error a request was refused with. */
async function refusal(request: Promise<unknown>): Promise<{ code: number; detail: unknown }> {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof McpError)) throw new Error(`expected a JSON-RPC error, got ${String(error)}`);
  return { code: error.code, detail: (error.data as Record<string, unknown> | undefined)?.[ERROR_META_KEY] };
}

describe('mcp-middleware proxy over stdio with API keys and no key sent', { timeout: 60_000 }, () => {
  it('refuses every list, read, get and call', async () => {
    const gateway = spawnGateway(['proxy', '--config', configPath, '--upstream', upstream.url.href]);
    const client = await connectToGateway(gateway);
    try {
      const unauthenticated = {
        code: -32603,
        detail: { code: 'UNAUTHENTICATED', retryable: false, data: { reason: 'missing_credentials' } },
      };
      expect([
        await refusal(client.listTools()),
        await refusal(client.listPrompts()),
        await refusal(client.listResources()),
        await refusal(client.readResource({ uri: 'docs://readme' })),
        await refusal(client.getPrompt({ name: 'greet' })),
      ]).toEqual(Array(5).fill(unauthenticated));
      const call = (await client.callTool({ name: 'echo', arguments: {} })) as CallToolResult;
      expect([call.isError, call._meta?.[ERROR_META_KEY]]).toEqual([
        true,
        expect.objectContaining({ code: 'UNAUTHENTICATED' }),
      ]);
    } finally {
      await stopGateway(gateway, client);
    }
  });
});

/** An io for runCli that records stderr and reports the URL it listens on. */
function testIo(): CliIo & { listening: Promise<URL>; stop(): void } {
  let onListening: (url: URL) => void = () => undefined;
  let handler: ((signal: NodeJS.Signals) => void) | undefined;
  const listening = new Promise<URL>((resolve) => (onListening = resolve));
  return {
    env: { ...process.env },
    stdout: () => undefined,
    stderr: (chunk: string) => {
      const url = /listening on (\S+)/.exec(chunk)?.[1];
      if (url !== undefined) onListening(new URL(url));
    },
    onSignal(h) {
      handler = h;
      return () => (handler = undefined);
    },
    listening,
    stop: () => {
      handler?.('SIGTERM');
      handler?.('SIGTERM');
    },
  };
}

describe('mcp-middleware proxy over HTTP with API keys', () => {
  let io: ReturnType<typeof testIo>;
  let exit: Promise<number>;
  let url: URL;

  beforeAll(async () => {
    io = testIo();
    exit = runCli(
      [
        'proxy',
        '--config',
        configPath,
        '--upstream',
        upstream.url.href,
        '--listen',
        'http://127.0.0.1:0/mcp',
      ],
      io,
    );
    url = await io.listening;
  });

  afterAll(async () => {
    io.stop();
    await exit;
  });

  const initialize = (headers: Record<string, string> = {}): Promise<Response> =>
    postInitialize(
      url,
      initializeRequest({ name: 'raw', version: '1' }, { protocolVersion: '2025-06-18' }),
      headers,
    );

  it('answers initialize without a key 401 with a Bearer challenge naming the metadata', async () => {
    const response = await initialize();
    const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', url).href;
    expect([response.status, response.headers.get('www-authenticate')]).toEqual([
      401,
      `Bearer resource_metadata="${metadataUrl}"`,
    ]);
  });

  it('answers a wrong key 401 invalid_token, never echoing it', async () => {
    const response = await initialize({ 'x-api-key': 'not-a-key' });
    const text = await response.text();
    expect([
      response.status,
      response.headers.get('www-authenticate')?.startsWith('Bearer error="invalid_token"'),
    ]).toEqual([401, true]);
    expect(text).not.toContain('not-a-key');
  });

  it('serves the protected-resource metadata for the gateway', async () => {
    const response = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url));
    expect([response.status, await response.json()]).toEqual([
      200,
      { resource: url.href, bearer_methods_supported: ['header'] },
    ]);
  });

  it('refuses a request of an existing session that comes without its key', async () => {
    const client = new Client({ name: 'gateway-auth-http', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { 'x-api-key': USER_KEY } },
    });
    await client.connect(transport);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId ?? '',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    await client.close();
    expect(response.status).toBe(401);
  });

  it('refuses an API key sent as a bearer token when the config reads keys from x-api-key', async () => {
    const response = await initialize({ authorization: `Bearer ${USER_KEY}` });
    expect(response.status).toBe(401);
  });

  it('lets a key in and lists only what it may use', async () => {
    const names = async (headers: Record<string, string>): Promise<string[][]> => {
      const client = new Client({ name: 'gateway-auth-http', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
      try {
        return [
          (await client.listTools()).tools.map((t) => t.name),
          (await client.listPrompts()).prompts.map((p) => p.name),
          (await client.listResources()).resources.map((r) => r.uri),
        ];
      } finally {
        await client.close();
      }
    };
    expect(await names({ 'x-api-key': USER_KEY })).toEqual([['echo'], ['greet'], ['docs://readme']]);
    expect(await names({ 'x-api-key': ADMIN_KEY })).toEqual([
      ['echo', 'admin_echo'],
      ['greet', 'admin_greet'],
      ['docs://readme', 'secret://keys'],
    ]);
  });
});
