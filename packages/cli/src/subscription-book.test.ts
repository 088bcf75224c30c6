import { describe, expect, it } from 'vitest';
import type { Session } from './session.js';
import { SubscriptionBook } from './subscription-book.js';

// The book only compares sessions by identity.
const a = {} as Session;
const b = {} as Session;

describe('SubscriptionBook', () => {
  it('says subscribe upstream only for the first subscriber of a URI', () => {
    const book = new SubscriptionBook();
    expect(book.add(a, 'x://1')).toBe(true);
    expect(book.add(b, 'x://1')).toBe(false);
    expect([...book.of('x://1')]).toEqual([a, b]);
  });

  it('says unsubscribe upstream only when the last subscriber leaves', () => {
    const book = new SubscriptionBook();
    book.add(a, 'x://1');
    book.add(b, 'x://1');
    expect(book.remove(a, 'x://1')).toBe(false);
    expect(book.remove(b, 'x://1')).toBe(true);
    expect([...book.uris()]).toEqual([]);
  });

  it('counts a holder added twice to a URI once', () => {
    const book = new SubscriptionBook();
    expect(book.add(a, 'x://1')).toBe(true);
    expect(book.add(a, 'x://1')).toBe(false);
    expect(book.remove(a, 'x://1')).toBe(true);
  });

  it('ignores the removal of a session that never subscribed', () => {
    const book = new SubscriptionBook();
    book.add(a, 'x://1');
    expect(book.remove(b, 'x://1')).toBe(false);
    expect([...book.of('x://1')]).toEqual([a]);
  });
});
