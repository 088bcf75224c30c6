/** What a buggy callback or handler may throw, for tests that every call is still answered. */

function fail(): never {
  throw new Error('a getter that throws');
}

/**
 * Thrown values worth a test each, as `[description, make]`: an Error, a string, null, undefined, a Symbol,
 * a revoked Proxy (any read throws) and an object whose `message`, `code`, `then` and `toString` throw.
 */
export function hostileValues(): [string, () => unknown][] {
  return [
    ['an Error', () => new Error('bug')],
    ['a string', () => 'ECONNRESET'],
    ['null', () => null],
    ['undefined', () => undefined],
    ['a Symbol', () => Symbol('bug')],
    [
      'a revoked Proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
    ],
    [
      'an object with throwing getters',
      () =>
        Object.defineProperties(
          {},
          {
            message: { get: fail },
            code: { get: fail },
            then: { get: fail },
            toString: { get: fail },
          },
        ),
    ],
  ];
}
