// The bearer gates' settings and refusals on their own: what a verifier's throw answers, what options are refused.
import { ConfigError } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import { readGateOptions, refusalOf } from './gate-settings.js';
import { credentialError, keysUnavailableError } from './problems.js';
import type { TokenVerifier } from './resolver.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const verifier: TokenVerifier = { verify: () => Promise.reject(credentialError('malformed')) };
const settings = readGateOptions('bearerGate', { verifier, resource: RESOURCE, scopes: ['read'] });

describe('gate settings', () => {
  it('answers a missing token with 401 and a challenge without an error code', () => {
    const refusal = refusalOf(settings, credentialError('missing_credentials'));
    expect(refusal.status).toBe(401);
    expect(refusal.headers['www-authenticate']).not.toContain('error=');
    expect(refusal.headers['www-authenticate']).toContain('scope="read"');
  });

  it('answers a bad token with 401 invalid_token', () => {
    const refusal = refusalOf(settings, credentialError('malformed'));
    expect(refusal.status).toBe(401);
    expect(refusal.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('answers keys that cannot be fetched with 503 and retry-after, anything else with 500', () => {
    expect(refusalOf(settings, keysUnavailableError(new Error('timeout'))).status).toBe(503);
    expect(refusalOf(settings, new Error('boom')).status).toBe(500);
  });

  it('refuses a resource outside the verifier audiences when the gate is built', () => {
    const narrow: TokenVerifier = { ...verifier, audiences: ['https://other.example.com/mcp'] };
    expect(() => readGateOptions('bearerGate', { verifier: narrow, resource: RESOURCE })).toThrow(
      ConfigError,
    );
  });
});
