// Middleware events as span events: names, attributes, and what is left out.
import { describe, expect, it } from 'vitest';
import { spanEventOf } from './span-events.js';

describe('spanEventOf', () => {
  it('names a retry with its attempt, delay and the error type that caused it', () => {
    expect(spanEventOf({ type: 'retry', attempt: 2, delayMs: 150, code: 'TIMEOUT' })).toEqual({
      name: 'mcp_middleware.retry',
      attributes: {
        'mcp_middleware.retry.attempt': 2,
        'mcp_middleware.retry.delay_ms': 150,
        'error.type': 'TIMEOUT',
      },
    });
  });

  it('leaves error.type off a retry whose cause has no code', () => {
    expect(
      spanEventOf({ type: 'retry', attempt: 1, delayMs: 0, code: undefined }).attributes,
    ).not.toHaveProperty('error.type');
  });

  it('records why retrying gave up', () => {
    expect(spanEventOf({ type: 'give-up', attempts: 3, reason: 'exhausted' })).toEqual({
      name: 'mcp_middleware.retry.give_up',
      attributes: { 'mcp_middleware.retry.attempts': 3, 'mcp_middleware.retry.reason': 'exhausted' },
    });
  });

  it('records a rejection by its code and source', () => {
    expect(spanEventOf({ type: 'reject', code: 'RATE_LIMITED', source: 'rateLimit' })).toEqual({
      name: 'mcp_middleware.reject',
      attributes: { 'error.type': 'RATE_LIMITED', 'mcp_middleware.reject.source': 'rateLimit' },
    });
  });

  it('records a breaker transition without its key, which may name a principal', () => {
    expect(spanEventOf({ type: 'breaker', key: 'search:user-42', tool: 'search', state: 'open' })).toEqual({
      name: 'mcp_middleware.breaker',
      attributes: { 'mcp_middleware.breaker.state': 'open' },
    });
  });

  it('records a cache result with its age and reason when known', () => {
    expect(spanEventOf({ type: 'cache', result: 'stale', ageMs: 900, reason: 'ttl' })).toEqual({
      name: 'mcp_middleware.cache',
      attributes: {
        'mcp_middleware.cache.result': 'stale',
        'mcp_middleware.cache.age_ms': 900,
        'mcp_middleware.cache.reason': 'ttl',
      },
    });
  });

  it('records a timeout with its deadline', () => {
    expect(spanEventOf({ type: 'timeout', timeoutMs: 5000 })).toEqual({
      name: 'mcp_middleware.timeout',
      attributes: { 'mcp_middleware.timeout.timeout_ms': 5000 },
    });
  });

  it('redacts credentials in a warning’s message', () => {
    expect(
      spanEventOf({ type: 'warning', source: 'cache', message: 'redis auth failed: password=s3cret' }),
    ).toEqual({
      name: 'mcp_middleware.warning',
      attributes: {
        'mcp_middleware.warning.source': 'cache',
        'mcp_middleware.warning.message': 'redis auth failed: password=[redacted]',
      },
    });
  });
});
