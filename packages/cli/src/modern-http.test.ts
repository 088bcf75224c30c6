import { describe, expect, it } from 'vitest';
import { listenedResources, mrtrParams, rememberBody } from './modern-http.js';

const contextOf = (req: Request, id: number): never => ({ http: { req }, mcpReq: { id } }) as never;

describe('mrtrParams', () => {
  it('gives back inputResponses and requestState exactly as the client sent them, wrapped entries included', () => {
    const req = new Request('http://127.0.0.1/mcp', { method: 'POST' });
    const inputResponses = { a: { action: 'accept', content: { x: 1 } }, b: { method: 'x', result: {} } };
    rememberBody(req, {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 't', inputResponses, requestState: 'opaque' },
    });
    expect(mrtrParams(contextOf(req, 7))).toEqual({ inputResponses, requestState: 'opaque' });
  });

  it('finds nothing for a request without them, another id, or a body it never saw', () => {
    const req = new Request('http://127.0.0.1/mcp', { method: 'POST' });
    rememberBody(req, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't' } });
    expect([mrtrParams(contextOf(req, 1)), mrtrParams(contextOf(req, 2))]).toEqual([{}, {}]);
    expect(mrtrParams(contextOf(new Request('http://127.0.0.1/mcp'), 1))).toEqual({});
  });
});

describe('listenedResources', () => {
  it('reads the resource URIs of a subscriptions/listen request, and only of one', () => {
    const listen = (uris: unknown): unknown => ({
      id: 1,
      method: 'subscriptions/listen',
      params: { notifications: { resourceSubscriptions: uris } },
    });
    expect(listenedResources(listen(['a://1', 2, 'b://2']))).toEqual(['a://1', 'b://2']);
    expect(listenedResources(listen('a://1'))).toEqual([]);
    expect(listenedResources({ method: 'tools/call', params: { notifications: {} } })).toEqual([]);
    expect(listenedResources(null)).toEqual([]);
    // Without an id it is no request: nothing admits it, so nothing may be held for it.
    const { id: _id, ...notification } = listen(['a://1']) as Record<string, unknown>;
    expect(listenedResources(notification)).toEqual([]);
  });
});
