import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from './rng.js';
import { shuffleInPlace } from './shuffle.js';

describe('shuffleInPlace', () => {
  it('permutes in place, the same way for the same seed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer(), (items, seed) => {
        const a = items.slice();
        expect(shuffleInPlace(a, new SeededRng(seed))).toBe(a);
        expect(a.slice().sort((x, y) => x - y)).toEqual(items.slice().sort((x, y) => x - y));
        expect(shuffleInPlace(items.slice(), new SeededRng(seed))).toEqual(a);
      }),
    );
  });

  it('reaches every order of three items', () => {
    const rng = new SeededRng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(shuffleInPlace(['a', 'b', 'c'], rng).join(''));
    expect(seen.size).toBe(6);
  });
});
