import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fnv1a64 } from './fnv.js';

/** Reference FNV-1a 64 over bytes, with BigInt. */
function reference(bytes: number[]): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

describe('Fnv1a64', () => {
  it('matches the published test vectors', () => {
    const empty = new Fnv1a64();
    expect(empty.hex()).toBe('cbf29ce484222325');
    const a = new Fnv1a64();
    a.byte(0x61);
    expect(a.hex()).toBe('af63dc4c8601ec8c');
    const foobar = new Fnv1a64();
    for (const c of 'foobar') foobar.byte(c.charCodeAt(0));
    expect(foobar.hex()).toBe('85944171f73967e8');
  });

  it('word() equals four little-endian bytes, for any words', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }), (words) => {
        const h = new Fnv1a64();
        const bytes: number[] = [];
        for (const w of words) {
          h.word(w);
          bytes.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
        }
        expect(h.hex()).toBe(reference(bytes));
      }),
    );
  });

  it('uint53 distinguishes values that differ only in the high bits', () => {
    const a = new Fnv1a64();
    a.uint53(5);
    const b = new Fnv1a64();
    b.uint53(5 + 2 ** 40);
    expect(a.hex()).not.toBe(b.hex());
  });
});

describe('Fnv1a64.string', () => {
  it('hashes the length then every UTF-16 code unit as two little-endian bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        const h = new Fnv1a64();
        h.string(s);
        const bytes = [s.length & 0xff, (s.length >>> 8) & 0xff, 0, 0];
        for (let i = 0; i < s.length; i++) bytes.push(s.charCodeAt(i) & 0xff, s.charCodeAt(i) >>> 8);
        expect(h.hex()).toBe(reference(bytes));
      }),
    );
  });
});
