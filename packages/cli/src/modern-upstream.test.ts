import { describe, expect, it } from 'vitest';
import { withoutEnvelope } from './modern-upstream.js';

describe('withoutEnvelope', () => {
  it('drops the 2026 envelope keys a 2025 upstream would take for application data, keeping the rest', () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'com.example/x': 1,
    };
    expect(withoutEnvelope(meta)).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'com.example/x': 1,
    });
  });

  it('sends no _meta at all when only the envelope was there', () => {
    expect(withoutEnvelope({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28' })).toBeUndefined();
    expect(withoutEnvelope(undefined)).toBeUndefined();
  });
});
