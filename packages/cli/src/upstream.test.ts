import { getMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { describeError, describeUpstream, fetchWithoutListenerWarnings } from './upstream.js';

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

describe('fetchWithoutListenerWarnings', () => {
  it('raises the listener limit on the signal the SDK shares across requests', async () => {
    const signal = new AbortController().signal;
    const response = await fetchWithoutListenerWarnings('data:,ok', { signal });
    expect(await response.text()).toBe('ok');
    expect(getMaxListeners(signal)).toBe(100_000);
  });
});
