import { hashApiKey } from '@mcp-middleware/auth';
import { describe, expect, it } from 'vitest';
import { doorChange, frontDoorFor } from './front-door.js';

const listen = new URL('http://127.0.0.1:8080/mcp');
const keys = { keys: [{ id: 'a', sha256: 'a'.repeat(64) }] };
const jwtOptions = {
  issuer: 'https://issuer.example.com',
  audience: 'https://mcp.example.com/mcp',
  algorithms: ['ES256'],
  jwksUri: 'https://issuer.example.com/jwks',
};

describe('frontDoorFor', () => {
  it('opens no door without API keys or a JWT issuer', () => {
    expect(frontDoorFor(undefined, listen)).toBeUndefined();
    expect(frontDoorFor({ authInfo: true }, listen)).toBeUndefined();
    expect(frontDoorFor({ env: keys }, listen)).toBeUndefined();
  });

  it('takes the listen URL as the resource for API keys, and names no authorization server', () => {
    const door = frontDoorFor({ apiKeys: keys }, listen);
    expect([door?.resource, door?.metadata.document]).toEqual([
      listen.href,
      { resource: listen.href, bearer_methods_supported: ['header'] },
    ]);
  });

  it('takes the JWT audience as the resource and its issuer as the authorization server', () => {
    const door = frontDoorFor({ jwt: jwtOptions }, listen);
    expect([door?.resource, door?.metadata.document['authorization_servers']]).toEqual([
      'https://mcp.example.com/mcp',
      ['https://issuer.example.com/'],
    ]);
  });
});

describe('FrontDoor.passes', () => {
  const door = frontDoorFor({ apiKeys: { keys: [{ id: 'a', sha256: hashApiKey('key-a') }] } }, listen);

  it('answers whether headers would pass, in the key header or as a bearer token', async () => {
    expect(
      await Promise.all([
        door?.passes({ 'x-api-key': 'key-a' }),
        door?.passes({ 'x-api-key': 'key-b' }),
        door?.passes({}),
      ]),
    ).toEqual([true, false, false]);
  });

  it('names the same credentials alike and other credentials apart', () => {
    const same = frontDoorFor({ apiKeys: { keys: [{ id: 'a', sha256: hashApiKey('key-a') }] } }, listen);
    const other = frontDoorFor({ apiKeys: { keys: [{ id: 'a', sha256: hashApiKey('key-b') }] } }, listen);
    expect(same?.credentials).toBe(door?.credentials);
    expect(other?.credentials).not.toBe(door?.credentials);
  });
});

describe('doorChange', () => {
  const other = { keys: [{ id: 'b', sha256: 'b'.repeat(64) }] };

  it('says nothing when the credentials stay, whatever else of auth changed', () => {
    expect(doorChange({ apiKeys: keys }, { apiKeys: keys, tools: { x: { scopes: ['a'] } } })).toBeUndefined();
    expect(doorChange(undefined, { authInfo: true })).toBeUndefined();
  });

  it('names a door added, removed or given new credentials', () => {
    expect(doorChange(undefined, { apiKeys: keys })).toBe('front door added (401 without a credential)');
    expect(doorChange({ jwt: jwtOptions }, { env: keys })).toBe(
      "front door removed (credentials are the pipeline's to check)",
    );
    expect(doorChange({ apiKeys: keys }, { apiKeys: other })).toBe('front door takes the new credentials');
  });
});
