import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mcp-middleware/core';
import { parseCommand } from './args.js';
import { listenHttp } from './http-listener.js';
import { resolveOptions, type GatewayOptions } from './options.js';
import { Registry } from 'prom-client';

const upstream = { command: 'node', args: ['server.js'] };
const timeoutsOf = (options: Partial<GatewayOptions>) =>
  resolveOptions({ upstream, ...options }).httpTimeouts;

/** The ConfigError `options` are refused with. */
function refusal(options: Record<string, unknown>): ConfigError {
  try {
    resolveOptions({ upstream, ...options });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the options were accepted');
}

describe('the HTTP listener timeouts', () => {
  it('keep idle connections past a 60 s load balancer idle timeout by default', () => {
    expect(timeoutsOf({})).toEqual({
      keepAliveTimeoutMs: 65_000,
      headersTimeoutMs: 66_000,
      receiveTimeoutMs: 300_000,
    });
  });

  it('derive the headers and receive defaults from a longer keep-alive', () => {
    expect(timeoutsOf({ keepAliveTimeoutMs: 620_000 })).toEqual({
      keepAliveTimeoutMs: 620_000,
      headersTimeoutMs: 621_000,
      receiveTimeoutMs: 621_000,
    });
    expect(timeoutsOf({ receiveTimeoutMs: 0 }).receiveTimeoutMs).toBe(0);
  });

  it.each([
    [{ keepAliveTimeoutMs: 0 }, 'keepAliveTimeoutMs', /keepAliveTimeoutMs must be an integer/],
    [{ keepAliveTimeoutMs: '65s' }, 'keepAliveTimeoutMs', /keepAliveTimeoutMs must be/],
    [
      { keepAliveTimeoutMs: 90_000, headersTimeoutMs: 60_000 },
      'headersTimeoutMs',
      /above keepAliveTimeoutMs \(90000\)/,
    ],
    [
      { headersTimeoutMs: 400_000, receiveTimeoutMs: 300_000 },
      'receiveTimeoutMs',
      /at least headersTimeoutMs \(400000\)/,
    ],
    [{ receiveTimeoutMs: -1 }, 'receiveTimeoutMs', /receiveTimeoutMs must be/],
  ])('refuse %j, naming %s', (options, path, message) => {
    const error = refusal(options);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('are what the proxy flags say, and a flag that is not milliseconds is named', () => {
    const command = parseCommand(
      [
        'proxy',
        '--keep-alive-timeout-ms',
        '90000',
        '--headers-timeout-ms',
        '91000',
        '--receive-timeout-ms',
        '0',
        '--',
        'node',
      ],
      {},
    );
    expect(command).toMatchObject({
      args: { keepAliveTimeoutMs: 90_000, headersTimeoutMs: 91_000, receiveTimeoutMs: 0 },
    });
    expect(() => parseCommand(['proxy', '--keep-alive-timeout-ms', '65s', '--', 'node'], {})).toThrow(
      /--keep-alive-timeout-ms must be a whole number of milliseconds, got "65s"/,
    );
  });

  it('are the settings of the listening server, and its responses announce the keep-alive', async () => {
    const timeouts = { keepAliveTimeoutMs: 90_000, headersTimeoutMs: 95_000, receiveTimeoutMs: 120_000 };
    const host = {
      openSession: () => undefined,
      ready: () => true,
      draining: () => false,
      registry: new Registry(),
    };
    const listener = await listenHttp(new URL('http://127.0.0.1:0/mcp'), host, {
      allowedHosts: undefined,
      maxBodyBytes: 1024,
      timeouts,
    });
    try {
      const { server } = listener;
      expect([server.keepAliveTimeout, server.headersTimeout, server.requestTimeout]).toEqual([
        90_000, 95_000, 120_000,
      ]);
      const header = await new Promise<string>((resolve, reject) => {
        get(new URL('/healthz', listener.url), (res) => {
          res.resume();
          resolve(String(res.headers['keep-alive']));
        }).on('error', reject);
      });
      expect(header).toBe('timeout=90');
    } finally {
      await listener.close();
    }
  });
});
