import { describe, expect, it } from 'vitest';
import { formatPath } from './errors.js';
import {
  describeHidden,
  displayCopy,
  isSecretKey,
  maskUserinfo,
  scrub,
  sensitiveStrings,
} from './secrets.js';

describe('isSecretKey', () => {
  it('takes keys whose last word names a secret or a digest', () => {
    for (const key of [
      'sha256',
      'apiKey',
      'api_key',
      'clientSecret',
      'accessToken',
      'password',
      'DB_PASSWORD',
      'key',
    ])
      expect(isSecretKey(key), key).toBe(true);
  });

  it('leaves keys that only mention one, or hold no secret', () => {
    for (const key of ['keyBy', 'maxTokenAgeSec', 'forbiddenKeys', 'header', 'variable', 'limit', 0])
      expect(isSecretKey(key), String(key)).toBe(false);
  });
});

describe('maskUserinfo', () => {
  it('masks user and password, a token alone, and a password holding an @', () => {
    expect(maskUserinfo('redis://app:pw@cache:6379/0')).toBe('redis://***@cache:6379/0');
    expect(maskUserinfo('see https://tok@host/x and rediss://a:b@c')).toBe(
      'see https://***@host/x and rediss://***@c',
    );
    expect(maskUserinfo('postgres://app:p@ss@db/app')).toBe('postgres://***@db/app');
  });

  it('leaves URLs without userinfo and an @ in the path alone', () => {
    expect(maskUserinfo('https://host/users/@me')).toBe('https://host/users/@me');
  });
});

describe('scrub', () => {
  it('replaces every occurrence of each secret of 4 characters or more', () => {
    expect(scrub('a s3cret b s3cret 42', ['s3cret', '42'])).toBe('a *** b *** 42');
  });
});

describe('describeHidden', () => {
  it('names the kind, the length and the variable, never the value', () => {
    const text = describeHidden('hunter22', '${PASSWORD}');
    expect(text).toBe('a string of 8 characters from ${PASSWORD} (not shown: it comes from the environment)');
  });
});

describe('displayCopy and sensitiveStrings', () => {
  const fromEnv = new Map([['pipeline[0].x.name', '${NAME}']]);
  const value = { name: 'from-env', sha256: 'abcd1234', url: 'redis://u:p@h', keyBy: 'tool' };

  it('shows values from the environment as written and hides secret-like keys', () => {
    expect(displayCopy(value, ['pipeline', 0, 'x'], fromEnv, formatPath)).toEqual({
      name: '${NAME}',
      sha256: '(hidden)',
      url: 'redis://***@h',
      keyBy: 'tool',
    });
  });

  it('collects exactly the values it hides', () => {
    expect([...sensitiveStrings(value, ['pipeline', 0, 'x'], fromEnv, formatPath)]).toEqual([
      'from-env',
      'abcd1234',
    ]);
  });
});
