import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { RequestSpans, resourceUriOf } from './request-span.js';

describe('RequestSpans', () => {
  it('names a list or a read by its method alone, a SERVER span with mcp.method.name', () => {
    const spans = new RequestSpans();
    expect(spans.of('tools/list', undefined)).toEqual({
      name: 'tools/list',
      options: { kind: SpanKind.SERVER, attributes: { 'mcp.method.name': 'tools/list' } },
    });
    expect(spans.of('resources/read', 'docs://readme').name).toBe('resources/read');
    expect(spans.of('completion/complete', 'greet').name).toBe('completion/complete');
  });

  it('names a prompts/get `prompts/get {prompt}` with gen_ai.prompt.name', () => {
    expect(new RequestSpans().of('prompts/get', 'greet')).toEqual({
      name: 'prompts/get greet',
      options: {
        kind: SpanKind.SERVER,
        attributes: { 'mcp.method.name': 'prompts/get', 'gen_ai.prompt.name': 'greet' },
      },
    });
  });

  it('builds the span of one method once and shares it', () => {
    const spans = new RequestSpans();
    expect(spans.of('resources/read', 'a://1')).toBe(spans.of('resources/read', 'b://2'));
    expect(spans.of('prompts/get', 'greet')).toBe(spans.of('prompts/get', 'greet'));
  });

  it('keeps 10 000 distinct URIs under one span name', () => {
    const spans = new RequestSpans();
    const names = new Set<string>();
    for (let i = 0; i < 10_000; i++) names.add(spans.of('resources/read', `notes://${i}`).name);
    expect([...names]).toEqual(['resources/read']);
  });

  it('still names prompts past the cache cap, without caching them', () => {
    const spans = new RequestSpans();
    for (let i = 0; i < 1000; i++) spans.of('prompts/get', `p${i}`);
    const late = spans.of('prompts/get', 'late');
    expect(late.name).toBe('prompts/get late');
    expect(spans.of('prompts/get', 'late')).not.toBe(late);
  });

  it('redacts and bounds a prompt name a client made up', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    const span = new RequestSpans().of('prompts/get', `x ${jwt} ${'y'.repeat(1000)}`);
    expect(span.name).not.toContain(jwt);
    expect(span.name.length).toBeLessThanOrEqual('prompts/get '.length + 257);
  });
});

describe('resourceUriOf', () => {
  it('is the URI of resources/read, subscribe and unsubscribe, and nothing for other methods', () => {
    expect(resourceUriOf('resources/read', 'docs://readme')).toBe('docs://readme');
    expect(resourceUriOf('resources/subscribe', 'docs://readme')).toBe('docs://readme');
    expect(resourceUriOf('resources/unsubscribe', 'docs://readme')).toBe('docs://readme');
    expect(resourceUriOf('prompts/get', 'greet')).toBeUndefined();
    expect(resourceUriOf('resources/list', undefined)).toBeUndefined();
  });

  it('redacts userinfo and secret query parameters, and keeps at most 1024 characters', () => {
    const uri = resourceUriOf('resources/read', 'https://bob:hunter2@db.example/x?access_token=abc123');
    expect(uri).not.toContain('hunter2');
    expect(uri).not.toContain('abc123');
    expect(uri).toContain('db.example');
    const long = resourceUriOf('resources/read', `notes://${'a'.repeat(100_000)}`) ?? '';
    expect(long.length).toBeLessThanOrEqual(1025);
  });
});
