import { JSONRPCRequestSchema, JSONRPCResponseSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { requestFault, responseFault } from './message-shapes.js';

// Every way a request can differ from the common shape, valid or not: the guard's hand check must agree
// with the SDK's schema on all of their combinations, so it never refuses what the SDK takes and never
// passes on what the SDK would drop unanswered.
const IDS: unknown[] = [1, 'a', 0, -7, 2 ** 53, 1.5];
const METHODS: unknown[] = ['tools/list', 'tools/call', '', 5, null];
const JSONRPC: unknown[] = ['2.0', '1.0', undefined, 2];
const META: unknown[] = [
  undefined,
  {},
  'x',
  [],
  null,
  { progressToken: 't' },
  { progressToken: 3 },
  { progressToken: 3.5 },
  { progressToken: {} },
  { progressToken: true },
  { progressToken: 2 ** 60 },
  { other: [1], progressToken: 'k' },
  { 'io.modelcontextprotocol/related-task': { taskId: 't1' } },
  { 'io.modelcontextprotocol/related-task': { taskId: 1 } },
  { 'io.modelcontextprotocol/related-task': 'x' },
];
const PARAMS: unknown[] = [undefined, {}, { name: 'n', extra: [1] }, [], 'x', 3, null, true];
const EXTRA_KEYS: Array<Record<string, unknown>> = [{}, { extra: 1 }, { result: {} }, { error: {} }];

function* requests(): Generator<Record<string, unknown>> {
  for (const id of IDS)
    for (const method of METHODS)
      for (const jsonrpc of JSONRPC)
        for (const extra of EXTRA_KEYS)
          yield { ...(jsonrpc !== undefined && { jsonrpc }), id, method, ...extra };
  for (const params of PARAMS)
    for (const _meta of META) {
      const withMeta = typeof params === 'object' && params !== null && !Array.isArray(params);
      yield { jsonrpc: '2.0', id: 9, method: 'tools/call', params: withMeta ? { ...params, _meta } : params };
    }
}

describe('requestFault', () => {
  it('finds a fault in exactly the requests the SDK schema refuses, over every combination', () => {
    let refused = 0;
    for (const request of requests()) {
      const sdk = JSONRPCRequestSchema.safeParse(request).success;
      const fault = requestFault(request);
      expect({ request, fault: fault !== undefined }).toEqual({ request, fault: !sdk });
      if (!sdk) refused += 1;
    }
    // The table holds both kinds, or the comparison above would prove nothing.
    expect(refused).toBeGreaterThan(100);
  });

  it.each([
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: [] }, 'params: expected object, received array'],
    [{ jsonrpc: '2.0', id: 1, method: 'x', params: { _meta: 'm' } }, 'params._meta: expected object'],
    [
      { jsonrpc: '2.0', id: 1, method: 'x', params: { _meta: { progressToken: {} } } },
      'params._meta.progressToken',
    ],
    [{ jsonrpc: '2.0', id: 1, method: 'x', other: true }, 'Unrecognized key: "other"'],
    [{ id: 1, method: 'x' }, 'jsonrpc: expected "2.0"'],
  ])('names the field at fault in %j', (request, field) => {
    expect(requestFault(request)).toContain(field);
    expect(requestFault(request)).toContain('A request has jsonrpc "2.0"');
  });

  it.each([
    ['a notification', { jsonrpc: '2.0', method: 'x', params: [] }],
    ['a request without an id one could answer', { jsonrpc: '2.0', id: {}, method: 'x', params: [] }],
    ['a request with a null id', { jsonrpc: '2.0', id: null, method: 'x' }],
    ['a response', { jsonrpc: '2.0', id: 1, result: [] }],
    ['no object at all', 'tools/list'],
    ['null', null],
  ])('leaves %s to the Protocol', (_, message) => {
    expect(requestFault(message)).toBeUndefined();
  });
});

const RESULTS: unknown[] = [
  {},
  { content: [] },
  [],
  'text',
  null,
  ...META.map((_meta) => ({ content: [], _meta })),
];
const ERRORS: unknown[] = [
  { code: -32602, message: 'm' },
  { code: -32602, message: 'm', data: { any: [1] } },
  { code: 1.5, message: 'm' },
  { code: '1', message: 'm' },
  { code: 1, message: 2 },
  { code: 1 },
  { code: 1, message: 'm', extra: true },
  'error',
  [],
];

function* responses(): Generator<Record<string, unknown>> {
  for (const id of IDS)
    for (const jsonrpc of JSONRPC)
      for (const extra of [{}, { extra: 1 }])
        for (const body of [
          ...RESULTS.map((result) => ({ result })),
          ...ERRORS.map((error) => ({ error })),
          { result: {}, error: { code: 1, message: 'm' } },
          {},
        ])
          yield { ...(jsonrpc !== undefined && { jsonrpc }), id, ...body, ...extra };
}

describe('responseFault', () => {
  it('finds a fault in exactly the responses the SDK schema refuses, over every combination', () => {
    let refused = 0;
    for (const response of responses()) {
      // A message that does not say it is JSON-RPC 2.0 is no answer to settle: the schema's to drop.
      const sdk = response['jsonrpc'] !== '2.0' || JSONRPCResponseSchema.safeParse(response).success;
      const fault = responseFault(response);
      expect({ response, fault: fault !== undefined }).toEqual({ response, fault: !sdk });
      if (!sdk) refused += 1;
    }
    expect(refused).toBeGreaterThan(100);
  });

  it.each([
    [{ jsonrpc: '2.0', id: 1, result: [] }, 'result: expected object, received array'],
    [{ jsonrpc: '2.0', id: 1 }, 'error'],
    [{ jsonrpc: '2.0', id: 1, error: { code: 'x', message: 'm' } }, 'error.code'],
  ])('names the field at fault in %j', (response, field) => {
    expect(responseFault(response)).toContain(field);
  });

  it.each([
    ['a request', { jsonrpc: '2.0', id: 1, method: 'x', params: [] }],
    ['a response without an id one could name', { jsonrpc: '2.0', id: null, result: [] }],
    ['a JSON log line with an id', { id: 1, level: 'info', msg: 'ready' }],
    ['no object at all', 5],
  ])('leaves %s alone', (_, message) => {
    expect(responseFault(message)).toBeUndefined();
  });
});
