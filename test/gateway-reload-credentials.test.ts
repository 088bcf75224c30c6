// A reload takes new credentials too: the spawned gateway's HTTP front door follows the file on SIGHUP (a
// revoked key is refused at once, a new one admitted, the RFC 9728 metadata is the door's in force, a broken
// auth block changes nothing), and a changed `exporter:` sends the spans after the reload to the new
// collector with the new headers while those recorded before it reach the old one.
import { writeFileSync } from 'node:fs';
import { hashApiKey } from '@mcp-middleware/auth';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hangUp } from './fixtures/gateway-spawn.js';
import { cleanEnv, startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';
import { initializeRequest, postInitialize } from './fixtures/raw-initialize.js';
import { ReloadedGateway, configFolder } from './fixtures/spawned-reloads.js';
import { text } from './fixtures/upstream-helpers.js';

const OLD_KEY = 'old-key-before-rotation';
const NEW_KEY = 'new-key-after-rotation';
const SPAN_KIND_SERVER = 2;

const configs = configFolder('gateway-reload-credentials-');
afterAll(() => configs.remove());

const spawned = new ReloadedGateway();
const receivers: OtlpReceiver[] = [];
afterEach(async () => {
  await spawned.stop();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

const keysConfig = (id: string, key: string): string =>
  `pipeline:\n  - auth:\n      apiKeys:\n        keys: [{ id: ${id}, sha256: '${hashApiKey(key)}' }]\n`;
const OPEN = 'pipeline:\n  - timeout: { timeoutMs: 600000 }\n';
const BAD_AUTH =
  "pipeline:\n  - auth:\n      apiKeys:\n        keys: [{ id: new, sha256: 'not-a-digest' }]\n";

/** Spawns the gateway over HTTP on a free port with `file`; resolves once it listens, to its MCP URL. */
const listening = (file: string): ReturnType<ReloadedGateway['overHttp']> =>
  spawned.overHttp(file, { env: cleanEnv({}) });

/** An initialize request as a client sends it, with `key` in x-api-key when given. */
function initialize(url: URL, key?: string): Promise<Response> {
  const request = initializeRequest({ name: 'reload-credentials', version: '1.0.0' });
  return postInitialize(url, request, key === undefined ? {} : { 'x-api-key': key });
}

/** The RFC 9728 metadata the gateway serves for its MCP path: status and document. */
async function metadata(url: URL): Promise<{ status: number; document: unknown }> {
  const response = await fetch(new URL(`/.well-known/oauth-protected-resource${url.pathname}`, url));
  return {
    status: response.status,
    document: response.status === 200 ? await response.json() : undefined,
  };
}

const status = async (response: Promise<Response>): Promise<number> => {
  const answered = await response;
  await answered.body?.cancel();
  return answered.status;
};

describe('a reload takes the front door with the pipeline', { timeout: 90_000 }, () => {
  it('refuses a rotated-out key at once (an open session too), admits the new one, and keeps the metadata', async () => {
    const file = configs.write('rotate.yaml', keysConfig('old', OLD_KEY));
    const { gateway, url } = await listening(file);
    const client = new Client({ name: 'old-key-session', version: '1.0.0' });
    spawned.closeWith(client);
    await client.connect(
      new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'x-api-key': OLD_KEY } } }),
    );
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'before' } }))).toBe('before');
    expect(await status(initialize(url, NEW_KEY))).toBe(401);
    const before = await metadata(url);
    expect(before).toEqual({
      status: 200,
      document: { resource: url.href, bearer_methods_supported: ['header'] },
    });

    writeFileSync(file, keysConfig('new', NEW_KEY));
    expect(await hangUp(gateway)).toContain(
      `reloaded ${file} (SIGHUP): 1 middleware, front door takes the new credentials; new calls take it`,
    );

    const refused = await initialize(url, OLD_KEY);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*resource_metadata="[^"]+"/);
    await expect(client.listTools()).rejects.toMatchObject({ code: 401 });
    expect(await status(initialize(url))).toBe(401);
    expect(await status(initialize(url, NEW_KEY))).toBe(200);
    expect(await metadata(url)).toEqual(before);
  });

  it('keeps the door in force when the new auth block is broken, saying why on one line', async () => {
    const file = configs.write('broken.yaml', keysConfig('old', OLD_KEY));
    const { gateway, url } = await listening(file);
    writeFileSync(file, BAD_AUTH);
    const said = await hangUp(gateway);
    const refusal = said.split('\n').filter((line) => line.includes('refused'));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(
      /reload of .*broken\.yaml \(SIGHUP\) refused, the running pipeline stays: pipeline\[0\]\.auth\.apiKeys\.keys\[0\]\.sha256: .*broken\.yaml:4\)$/,
    );
    expect(await status(initialize(url, OLD_KEY))).toBe(200);
    expect(await status(initialize(url, NEW_KEY))).toBe(401);
    expect((await fetch(new URL('/readyz', url))).status).toBe(200);
  });

  it('adds the door when the file gains API keys and removes it when it loses them', async () => {
    const file = configs.write('door.yaml', OPEN);
    const { gateway, url } = await listening(file);
    expect(await status(initialize(url))).toBe(200);
    expect((await metadata(url)).status).toBe(404);

    writeFileSync(file, keysConfig('new', NEW_KEY));
    expect(await hangUp(gateway)).toContain('front door added (401 without a credential)');
    expect(await status(initialize(url))).toBe(401);
    expect(await status(initialize(url, NEW_KEY))).toBe(200);
    expect((await metadata(url)).status).toBe(200);

    writeFileSync(file, OPEN);
    expect(await hangUp(gateway)).toContain("front door removed (credentials are the pipeline's to check)");
    expect(await status(initialize(url))).toBe(200);
    expect((await metadata(url)).status).toBe(404);
  });
});

const tracedConfig = (endpoint: string, token: string): string =>
  [
    'pipeline:',
    '  - tracing:',
    `      exporter: { endpoint: '${endpoint}', protocol: http/json, headers: { authorization: 'Bearer ${token}' } }`,
    '',
  ].join('\n');

describe('a reload takes the new exporter', { timeout: 90_000 }, () => {
  it('sends spans after the reload to the new collector with its headers, and those before to the old one', async () => {
    const [before, after] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
    receivers.push(before, after);
    const file = configs.write('traced.yaml', tracedConfig(before.endpoint, 'first-token'));
    const { gateway, client } = await spawned.overStdio(file, cleanEnv({}));
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'one' } }))).toBe('one');

    writeFileSync(file, tracedConfig(after.endpoint, 'rotated-token'));
    const said = await hangUp(gateway);
    expect(said).toContain(`tracing: exporting spans to ${after.endpoint}/v1/traces (http/json)`);
    expect(said).not.toContain('rotated-token');
    expect(text(await client.callTool({ name: 'meta', arguments: {} }))).toContain('{');
    expect(await spawned.stop()).toBe(0);

    const served = (receiver: OtlpReceiver): string[] =>
      receiver
        .spans()
        .filter((span) => span.kind === SPAN_KIND_SERVER && span.name.startsWith('tools/call'))
        .map((span) => span.name);
    expect(served(before)).toEqual(['tools/call echo']);
    expect(served(after)).toEqual(['tools/call meta']);
    expect(new Set(before.exports.map((e) => e.headers.authorization))).toEqual(
      new Set(['Bearer first-token']),
    );
    expect(new Set(after.exports.map((e) => e.headers.authorization))).toEqual(
      new Set(['Bearer rotated-token']),
    );
  });
  it('turns tracing on by a reload and off by the next, without a restart', async () => {
    const receiver = await startOtlpReceiver();
    receivers.push(receiver);
    const file = configs.write('toggled.yaml', OPEN);
    const { gateway, client } = await spawned.overStdio(file, cleanEnv({}));
    const echo = async (word: string): Promise<void> => {
      expect(text(await client.callTool({ name: 'echo', arguments: { text: word } }))).toBe(word);
    };
    await echo('untraced');

    writeFileSync(file, tracedConfig(receiver.endpoint, 'token'));
    expect(await hangUp(gateway)).toContain(`tracing: exporting spans to ${receiver.endpoint}/v1/traces`);
    expect(text(await client.callTool({ name: 'meta', arguments: {} }))).toContain('{');
    writeFileSync(file, OPEN);
    expect(await hangUp(gateway)).toContain('1 middleware, tracing off; new calls take it');
    await echo('off again');
    expect(await spawned.stop()).toBe(0);

    const names = receiver
      .spans()
      .filter((span) => span.kind === SPAN_KIND_SERVER)
      .map((span) => span.name);
    expect(names).toEqual(['tools/call meta']);
  });
});
