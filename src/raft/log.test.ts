import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRaftInvariantError } from './errors.js';
import { EMPTY_SNAPSHOT, RaftLog } from './log.js';
import type { Entry } from './types.js';
import { makeConf } from './types.js';

const enc = (s: string) => new TextEncoder().encode(s);
const e = (index: number, term: number): Entry => ({ index, term, kind: 'normal', data: enc(`${index}@${term}`) });
const log = (...terms: number[]) => new RaftLog(EMPTY_SNAPSHOT, terms.map((t, i) => e(i + 1, t)), 0);

describe('RaftLog', () => {
  it('index → entry and term in O(1), with the snapshot as index 0 sentinel', () => {
    const l = log(1, 1, 2);
    expect(l.firstIndex()).toBe(1);
    expect(l.lastIndex()).toBe(3);
    expect(l.term(0)).toBe(0);
    expect(l.term(3)).toBe(2);
    expect(l.term(4)).toBeUndefined();
    expect(l.entry(2)).toEqual(e(2, 1));
  });

  it('slice [lo, hi) honours count and byte limits, but always moves one entry', () => {
    const l = log(1, 1, 1, 1, 1);
    expect(l.slice(2, 5).map((x) => x.index)).toEqual([2, 3, 4]);
    expect(l.slice(1, 6, 2).map((x) => x.index)).toEqual([1, 2]);
    expect(l.slice(1, 6, 100, 1).map((x) => x.index)).toEqual([1]);
    expect(() => l.slice(0, 2)).toThrow(/slice in bounds/);
  });

  it('never truncates committed entries (an invariant, thrown)', () => {
    const l = log(1, 1, 1);
    l.commitTo(2);
    try {
      l.truncateFrom(2);
      expect.unreachable();
    } catch (err) {
      expect(isRaftInvariantError(err)).toBe(true);
    }
    expect(l.maybeAppend(2, 1, [e(3, 2)])).toEqual({ kind: 'appended', lastNewIndex: 3 });
    expect(l.term(3)).toBe(2);
  });

  it('maybeAppend: a mismatch leaves the log alone; a conflict truncates from the first differing entry', () => {
    const l = log(1, 1, 1, 1);
    expect(l.maybeAppend(4, 2, [e(5, 2)])).toEqual({ kind: 'mismatch' });
    expect(l.lastIndex()).toBe(4);
    expect(l.maybeAppend(2, 1, [e(3, 1), e(4, 3)])).toEqual({ kind: 'appended', lastNewIndex: 4 });
    expect([l.term(3), l.term(4), l.stable]).toEqual([1, 3, 3]);
  });

  it('findConflictByTerm returns the last index ≤ i whose term ≤ t', () => {
    const l = log(1, 1, 3, 3, 3, 5);
    expect(l.findConflictByTerm(6, 4)).toEqual({ index: 5, term: 3 });
    expect(l.findConflictByTerm(5, 2)).toEqual({ index: 2, term: 1 });
    expect(l.findConflictByTerm(6, 0)).toEqual({ index: 0, term: 0 });
  });

  it('compaction keeps the configuration in effect at the snapshot index', () => {
    const c1 = makeConf(['a']);
    const c2 = makeConf(['a', 'b']);
    const l = new RaftLog(
      EMPTY_SNAPSHOT,
      [
        { index: 1, term: 1, kind: 'conf-change', change: null, conf: c1 },
        e(2, 1),
        { index: 3, term: 1, kind: 'conf-change', change: { type: 'add-voter', node: 'b' }, conf: c2 },
        e(4, 1),
      ],
      4,
    );
    l.appliedTo(4);
    expect(l.compact(2, enc('s')).metadata.conf).toEqual(c1);
    expect(l.lastConf()).toEqual(c2);
    expect(l.compact(4, enc('s')).metadata.conf).toEqual(c2);
    expect(l.lastConfIndex()).toBe(4);
  });

  it('property: behaves like a plain array model under append, conflicting appends, commit and compaction', () => {
    type Op = { k: 'append'; terms: number } | { k: 'follower'; back: number; n: number; bump: boolean } | { k: 'commit'; by: number } | { k: 'compact' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constant('append' as const), terms: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ k: fc.constant('follower' as const), back: fc.nat(5), n: fc.integer({ min: 0, max: 4 }), bump: fc.boolean() }),
      fc.record({ k: fc.constant('commit' as const), by: fc.nat(3) }),
      fc.constant({ k: 'compact' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const l = new RaftLog(EMPTY_SNAPSHOT, [], 0);
        let model: Entry[] = [];
        let term = 1;
        let snap = 0;
        for (const o of ops) {
          const last = model.length > 0 ? model[model.length - 1].index : snap;
          if (o.k === 'append') {
            const es = Array.from({ length: o.terms }, (_, i) => e(last + 1 + i, term));
            l.append(es);
            model.push(...es);
          } else if (o.k === 'follower') {
            const prev = Math.max(l.committed, last - o.back);
            if (o.bump) term++;
            const es = Array.from({ length: o.n }, (_, i) => e(prev + 1 + i, term));
            const r = l.maybeAppend(prev, l.term(prev)!, es);
            expect(r.kind).toBe('appended');
            for (const x of es) {
              const at = model.findIndex((m) => m.index === x.index);
              if (at === -1) model.push(x);
              else if (model[at].term !== x.term) model = [...model.slice(0, at), x];
            }
            // Entries after the new ones survive only if nothing conflicted.
          } else if (o.k === 'commit') {
            l.commitTo(Math.min(last, l.committed + o.by));
          } else if (l.committed > snap) {
            l.appliedTo(l.committed);
            l.compact(l.committed, enc('x'));
            model = model.filter((m) => m.index > l.committed);
            snap = l.committed;
          }
          const lastNow = model.length > 0 ? model[model.length - 1].index : snap;
          expect(l.lastIndex()).toBe(lastNow);
          expect(l.snapshotIndex).toBe(snap);
          for (const m of model) expect(l.term(m.index)).toBe(m.term);
          expect(l.committed).toBeLessThanOrEqual(l.lastIndex());
          expect(l.stable).toBeLessThanOrEqual(l.lastIndex());
        }
      }),
      { numRuns: 300 },
    );
  });
});
