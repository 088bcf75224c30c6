import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mcp-middleware/core';
import { resolveOptions, type GatewayOptions } from './options.js';

const upstream = { command: 'node', args: ['server.js'] };
const resolve = (options: Record<string, unknown>) => () =>
  resolveOptions(options as unknown as GatewayOptions);

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveOptions({ upstream });
    expect(o).toMatchObject({
      listen: undefined,
      restart: undefined,
      drainTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      maxBodyBytes: 4 * 1024 * 1024,
      pipeline: [],
    });
  });

  it('fills in the restart defaults when restart is true', () => {
    expect(resolveOptions({ upstream, restart: true }).restart).toEqual({
      maxAttempts: 5,
      delayMs: 500,
      maxDelayMs: 10_000,
    });
  });

  it('rejects an unknown option with a did-you-mean', () => {
    expect(resolve({ upstream, drainTimeout: 5 })).toThrow(
      /unknown option drainTimeout \(did you mean drainTimeoutMs\?\)/,
    );
  });

  it('rejects an upstream with neither command nor url', () => {
    expect(resolve({ upstream: { args: [] } })).toThrow('upstream.command must be a non-empty string');
  });

  it('rejects an upstream URL that is not http or https', () => {
    expect(resolve({ upstream: { url: 'ftp://example.com/mcp' } })).toThrow(
      'upstream.url must be an http:// or https:// URL',
    );
  });

  it('rejects a listen value that is neither stdio nor an http URL', () => {
    expect(resolve({ upstream, listen: 'tcp://0.0.0.0:1' })).toThrow(ConfigError);
    expect(resolve({ upstream, listen: 'tcp://0.0.0.0:1' })).toThrow('got "tcp://0.0.0.0:1"');
  });

  it('rejects a negative drain timeout, naming the accepted range', () => {
    expect(resolve({ upstream, drainTimeoutMs: -1 })).toThrow(
      'drainTimeoutMs must be an integer ≥ 0, got -1',
    );
  });
});
