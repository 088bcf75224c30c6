import { describe, expect, it } from 'vitest';
import { GatewayError } from './errors.js';
import {
  DEFAULT_INHERITED_ENV,
  connectUpstream,
  describeError,
  describeUpstream,
  upstreamEnvironment,
} from './upstream.js';

describe('describeUpstream', () => {
  it('names a stdio upstream by its command line, with secrets redacted', () => {
    expect(describeUpstream({ command: 'node', args: ['server.js', '--token=abc123'] })).toBe(
      'node server.js --token=[redacted]',
    );
  });

  it('names an HTTP upstream without credentials or query', () => {
    expect(describeUpstream({ url: 'https://user:pw@example.com/mcp?key=secret' })).toBe(
      'https://example.com/mcp',
    );
  });
});

describe('describeError', () => {
  it('joins an error with its causes', () => {
    const error = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    expect(describeError(error)).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:9');
  });
});

describe('upstreamEnvironment', () => {
  const parent = {
    PATH: '/bin',
    HOME: '/home/me',
    LC_ALL: 'C',
    npm_config_cache: '/cache',
    NODE_OPTIONS: '--x',
    GITHUB_TOKEN: 'secret',
    AWS_SECRET_ACCESS_KEY: 'secret',
  };

  it('passes the default allow-list and nothing else', () => {
    const env = upstreamEnvironment(parent, DEFAULT_INHERITED_ENV, undefined);
    expect(Object.keys(env).sort()).toEqual(['HOME', 'LC_ALL', 'NODE_OPTIONS', 'PATH', 'npm_config_cache']);
  });

  it('passes a variable the allow-list names, by exact name or prefix', () => {
    expect(upstreamEnvironment(parent, ['GITHUB_TOKEN'], undefined)).toEqual({ GITHUB_TOKEN: 'secret' });
    expect(Object.keys(upstreamEnvironment(parent, ['AWS_*'], undefined))).toEqual(['AWS_SECRET_ACCESS_KEY']);
  });

  it('sets the configured env on top of what is inherited', () => {
    expect(upstreamEnvironment(parent, ['PATH'], { PATH: '/opt', TOKEN: 't' })).toEqual({
      PATH: '/opt',
      TOKEN: 't',
    });
  });
});

describe('connectUpstream, when the handshake does not complete in time', () => {
  const options = { clientInfo: { name: 'test', version: '1' }, connectTimeoutMs: 300, probeTimeoutMs: 100 };
  const node = (script: string): { command: string; args: string[]; stderr: 'ignore' } => ({
    command: process.execPath,
    args: ['-e', script],
    stderr: 'ignore',
  });
  const failure = (promise: Promise<unknown>): Promise<GatewayError> =>
    promise.then(
      () => {
        throw new Error('connected');
      },
      (error: unknown) => error as GatewayError,
    );

  it('says the server does not speak MCP when it wrote something else on stdout', async () => {
    const error = await failure(
      connectUpstream(node('console.log("Server listening on port 3000"); setInterval(() => {}, 1000)'), {
        ...options,
        slowStartMs: 60_000,
      }),
    );
    expect(error.code).toBe('UPSTREAM_START');
    expect(error.message).toContain('does not speak MCP on stdout');
    expect(error.message).toContain('Server listening');
  });

  it('reports a silent, living child as a slow start and waits the extension before giving up', async () => {
    const heard: string[] = [];
    const error = await failure(
      connectUpstream(node('process.stderr.write("downloading\\n"); setInterval(() => {}, 1000)'), {
        ...options,
        slowStartMs: 200,
        onSlowStart: (message) => heard.push(message),
      }),
    );
    expect(heard).toHaveLength(1);
    expect(heard[0]).toContain('still starting');
    expect(error.message).toContain('still running but has not answered the MCP handshake after 500 ms');
    expect(error.message).toContain('npx');
  });
});
