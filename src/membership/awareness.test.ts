import { describe, expect, it } from 'vitest';
import { Awareness } from './awareness.js';

describe('Awareness (memberlist awareness_test.go)', () => {
  it('clamps the score to [0, max − 1] and scales timeouts by score + 1', () => {
    const cases: Array<[delta: number, score: number, timeoutMs: number]> = [
      [0, 0, 1000],
      [-1, 0, 1000],
      [-10, 0, 1000],
      [1, 1, 2000],
      [-1, 0, 1000],
      [10, 7, 8000],
      [-1, 6, 7000],
      [-1, 5, 6000],
      [-1, 4, 5000],
      [-1, 3, 4000],
      [-1, 2, 3000],
      [-1, 1, 2000],
      [-1, 0, 1000],
      [-1, 0, 1000],
    ];
    const a = new Awareness(8);
    for (const [i, [delta, score, timeout]] of cases.entries()) {
      a.applyDelta(delta);
      expect(a.score, `case ${i}`).toBe(score);
      expect(a.scaleTimeout(1000), `case ${i}`).toBe(timeout);
    }
  });
});
