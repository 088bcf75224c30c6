import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from './read-file.js';

describe('firstInvalidUtf8', () => {
  it('accepts ASCII and well-formed sequences of every length', () => {
    expect(firstInvalidUtf8(Buffer.from('a é € 😀 \u{10ffff}'))).toBe(-1);
  });

  it('agrees with the WHATWG decoder on every two-byte sequence after an ASCII byte', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const bytes = Uint8Array.from([0x61, a, b]);
        let valid = true;
        try {
          fatal.decode(bytes);
        } catch {
          valid = false;
        }
        expect(firstInvalidUtf8(bytes) === -1, `${a.toString(16)} ${b.toString(16)}`).toBe(valid);
      }
    }
  });

  it('gives the offset of overlong forms, surrogates, truncations and code points past U+10FFFF', () => {
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0xaf]))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2);
    expect(firstInvalidUtf8(Uint8Array.from([0xe2, 0x82]))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.from([0xe0, 0x80, 0x80]))).toBe(0);
  });
});
