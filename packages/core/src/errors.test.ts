import { describe, expect, it } from 'vitest';
import { ConfigError, MiddlewareError, isCallerMistake, isMiddlewareError, isRetryable } from './errors.js';

describe('MiddlewareError', () => {
  it('defaults retryable from the code', () => {
    expect(new MiddlewareError('RATE_LIMITED', 'x').retryable).toBe(true);
    expect(new MiddlewareError('TIMEOUT', 'x').retryable).toBe(true);
    expect(new MiddlewareError('FORBIDDEN', 'x').retryable).toBe(false);
    expect(new MiddlewareError('FORBIDDEN', 'x', { retryable: true }).retryable).toBe(true);
  });

  it('keeps its cause', () => {
    const cause = new Error('root');
    expect(new MiddlewareError('UPSTREAM_ERROR', 'x', { cause }).cause).toBe(cause);
  });

  it('is recognised by code', () => {
    const error = new MiddlewareError('TIMEOUT', 'x');
    expect(isMiddlewareError(error)).toBe(true);
    expect(isMiddlewareError(error, 'TIMEOUT')).toBe(true);
    expect(isMiddlewareError(error, 'CANCELLED')).toBe(false);
    expect(isMiddlewareError(new Error('x'))).toBe(false);
    expect(isMiddlewareError(null)).toBe(false);
    expect(isMiddlewareError({ code: 'TIMEOUT' })).toBe(false);
  });

  it('is recognised across two copies of core through the global brand', () => {
    // A second copy has its own class but brands with the same global symbol.
    class OtherCopyError extends Error {
      readonly code = 'RATE_LIMITED';
      readonly retryable = true;
    }
    Object.defineProperty(OtherCopyError.prototype, Symbol.for('io.github.mcp-middleware/error'), {
      value: true,
    });
    const foreign = new OtherCopyError('limited');
    expect(foreign instanceof MiddlewareError).toBe(false);
    expect(isMiddlewareError(foreign, 'RATE_LIMITED')).toBe(true);
  });
});

describe('ConfigError', () => {
  it('names the bad option path', () => {
    const error = new ConfigError('retries', 'retry: retries must be an integer ≥ 0, got -1');
    expect(error.path).toBe('retries');
    expect(error.name).toBe('ConfigError');
  });
});

describe('isMiddlewareError on hostile values', () => {
  it('answers false, never throws, for a revoked Proxy or an object whose reads throw', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const trap = new Proxy(
      {},
      {
        get: () => {
          throw new Error('get trap');
        },
      },
    );
    expect(isMiddlewareError(revoked.proxy)).toBe(false);
    expect(isMiddlewareError(trap, 'TIMEOUT')).toBe(false);
  });
});

describe('isRetryable and the SDK’s own errors', () => {
  it('calls a request that is wrong as sent not retryable, and other JSON-RPC failures transient', async () => {
    const { McpError } = await import('@modelcontextprotocol/sdk/types.js');
    for (const code of [-32700, -32600, -32601, -32602]) {
      expect(isRetryable(new McpError(code, 'wrong as sent')), String(code)).toBe(false);
      expect(isCallerMistake({ code })).toBe(true);
    }
    for (const code of [-32603, -32001, -32000])
      expect(isRetryable(new McpError(code, 'failed')), String(code)).toBe(true);
    expect(isRetryable(new Error('plain'))).toBe(true);
  });
});
