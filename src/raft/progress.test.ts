import { describe, expect, it } from 'vitest';
import { Inflights, Progress } from './progress.js';

describe('Inflights (the pipelining window)', () => {
  it('fills to capacity, frees acknowledged prefixes, wraps around', () => {
    const w = new Inflights(3);
    w.add(5);
    w.add(7);
    w.add(9);
    expect(w.full()).toBe(true);
    expect(() => w.add(11)).toThrow(/not full/);
    w.freeLE(7);
    expect(w.count).toBe(1);
    w.add(12);
    w.add(14);
    w.freeLE(13);
    expect(w.count).toBe(1);
    w.freeFirst();
    expect(w.count).toBe(0);
  });
});

describe('Progress (probe / replicate / snapshot)', () => {
  it('probe sends one append then pauses until an answer', () => {
    const p = new Progress(10, 4);
    expect(p.isPaused()).toBe(false);
    p.sentAppend(3, 12);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeUpdate(12)).toBe(true);
    expect(p.isPaused()).toBe(false);
    expect(p).toMatchObject({ match: 12, next: 13 });
  });

  it('replicate streams optimistically up to the window', () => {
    const p = new Progress(1, 2);
    p.maybeUpdate(0);
    p.becomeReplicate();
    p.sentAppend(5, 5);
    p.sentAppend(5, 10);
    expect(p.next).toBe(11);
    expect(p.isPaused()).toBe(true);
    p.maybeUpdate(5);
    if (p.state.kind === 'replicate') p.state.inflights.freeLE(5);
    expect(p.isPaused()).toBe(false);
  });

  it('a rejection rewinds next to the hint but never below match + 1; stale rejections are ignored', () => {
    const p = new Progress(20, 4);
    p.maybeUpdate(5);
    p.sentAppend(1, 20);
    expect(p.maybeDecrTo(19, 2)).toBe(true);
    expect(p.next).toBe(6);
    expect(p.maybeDecrTo(19, 2)).toBe(false);
  });

  it('while probing, a rejection at the match index is stale: a follower never loses what it acknowledged', () => {
    const p = new Progress(20, 4);
    p.maybeUpdate(5);
    p.sentAppend(1, 20);
    expect(p.maybeDecrTo(19, 2)).toBe(true); // probe from next = match + 1 = 6
    p.sentAppend(1, 6); // the probe is in flight: paused
    expect(p.maybeDecrTo(5, 2)).toBe(false); // a delayed copy of an old rejection
    expect(p.next).toBe(6);
    expect(p.isPaused()).toBe(true); // nothing is sent again for it
  });

  it('snapshot state sends nothing; after it, probing resumes past the snapshot', () => {
    const p = new Progress(3, 4);
    p.becomeSnapshot(50);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeDecrTo(2, 0)).toBe(false);
    p.becomeProbe();
    expect(p.next).toBe(51);
    p.becomeSnapshot(50);
    p.snapshotFailed();
    expect(p.next).toBe(1);
  });
});
