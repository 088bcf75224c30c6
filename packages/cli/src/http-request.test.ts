import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hasRequest, hostRefusal, readBody } from './http-request.js';

const LOCAL = ['localhost', '127.0.0.1'];

function bodyOf(...chunks: string[]): IncomingMessage {
  const stream = new PassThrough();
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return stream as unknown as IncomingMessage;
}

describe('hostRefusal', () => {
  it('accepts any Host and Origin when no hosts are listed', () => {
    expect(hostRefusal({ host: 'evil.example', origin: 'https://evil.example' }, undefined)).toBeUndefined();
  });

  it('accepts an allowed Host with no Origin, and with an allowed Origin', () => {
    expect(hostRefusal({ host: '127.0.0.1:8080' }, LOCAL)).toBeUndefined();
    expect(hostRefusal({ host: 'localhost:8080', origin: 'http://localhost:3000' }, LOCAL)).toBeUndefined();
  });

  it('refuses a Host that is missing, unparsable or not listed', () => {
    for (const host of [undefined, '[bad', 'evil.example:8080']) {
      expect(hostRefusal({ host }, LOCAL)).toBe('Forbidden: Host header not allowed');
    }
  });

  it('refuses an Origin that is unparsable or not listed', () => {
    for (const origin of ['not a url', 'https://evil.example']) {
      expect(hostRefusal({ host: 'localhost', origin }, LOCAL)).toBe('Forbidden: Origin not allowed');
    }
  });
});

describe('readBody', () => {
  it('gives back the whole body when it fits the limit', async () => {
    await expect(readBody(bodyOf('{"a":', '1}'), 7)).resolves.toEqual(Buffer.from('{"a":1}'));
  });

  it('says too-large once the body passes the limit', async () => {
    await expect(readBody(bodyOf('12345', '67'), 6)).resolves.toBe('too-large');
  });
});

describe('hasRequest', () => {
  it('finds a request in one message or in a batch', () => {
    expect(hasRequest({ jsonrpc: '2.0', id: 1, method: 'ping' })).toBe(true);
    expect(hasRequest([{ method: 'notifications/initialized' }, { id: 2, method: 'ping' }])).toBe(true);
  });

  it('finds none among notifications, responses and non-objects', () => {
    expect(hasRequest([{ method: 'notifications/cancelled' }, { id: 1, result: {} }, null, 3])).toBe(false);
  });
});
