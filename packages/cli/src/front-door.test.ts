import { describe, expect, it } from 'vitest';
import { frontDoorFor } from './front-door.js';

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
