import { describe, expect, it } from 'vitest';
import { isRaftSafetyViolation } from './errors.js';
import { RaftClusterInvariants } from './invariants.js';
import type { RaftInspection } from './node.js';
import type { Entry, Role } from './types.js';

const enc = (s: string) => new TextEncoder().encode(s);
const e = (index: number, term: number, tag = ''): Entry => ({ index, term, kind: 'normal', data: enc(`${index}@${term}${tag}`) });

/** A fake node view over a plain entry array. */
function view(id: string, entries: Entry[], opts: { term?: number; role?: Role; commit?: number; truncationSeq?: number } = {}): RaftInspection {
  const last = entries.length;
  return {
    id,
    term: opts.term ?? 1,
    vote: null,
    role: opts.role ?? 'follower',
    leader: null,
    commit: opts.commit ?? 0,
    applied: 0,
    snapshotIndex: 0,
    snapshotTerm: 0,
    lastIndex: last,
    termAt: (i) => (i === 0 ? 0 : entries[i - 1]?.term),
    entryAt: (i) => entries[i - 1],
    truncationSeq: opts.truncationSeq ?? 0,
    truncatedSince: () => 1,
  };
}

function violation(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (isRaftSafetyViolation(err)) return err.invariant;
    throw err;
  }
  return 'none';
}

describe('RaftClusterInvariants catches each broken property', () => {
  it('election safety: two leaders in one term, even at different times', () => {
    const inv = new RaftClusterInvariants();
    inv.observe(view('a', [], { term: 3, role: 'leader' }));
    inv.observe(view('a', [], { term: 4, role: 'follower' }));
    expect(violation(() => inv.observe(view('b', [], { term: 3, role: 'leader' })))).toBe('election-safety');
  });

  it('log matching: same index and term with different content, or a different history', () => {
    const inv = new RaftClusterInvariants();
    inv.observe(view('a', [e(1, 1), e(2, 2)]));
    expect(violation(() => inv.observe(view('b', [e(1, 1), e(2, 2, 'other')])))).toBe('log-matching');
    const inv2 = new RaftClusterInvariants();
    inv2.observe(view('a', [e(1, 1), e(2, 2)]));
    expect(violation(() => inv2.observe(view('b', [e(1, 2), e(2, 2)])))).toBe('log-matching');
  });

  it('leader append-only: a leader that truncates its own log', () => {
    const inv = new RaftClusterInvariants();
    inv.observe(view('a', [e(1, 1), e(2, 2)], { term: 2, role: 'leader' }));
    expect(violation(() => inv.observe(view('a', [e(1, 1)], { term: 2, role: 'leader', truncationSeq: 1 })))).toBe('leader-append-only');
  });

  it('leader completeness: a later leader missing an entry committed in an earlier term', () => {
    const inv = new RaftClusterInvariants();
    inv.observe(view('a', [e(1, 1), e(2, 1)], { term: 1, role: 'leader', commit: 2 }));
    expect(violation(() => inv.observe(view('b', [e(1, 1)], { term: 2, role: 'leader', commit: 1 })))).toBe('leader-completeness');
  });

  it('state-machine safety: two nodes applying different entries at one index', () => {
    const inv = new RaftClusterInvariants();
    inv.onApply('a', e(1, 1));
    expect(violation(() => inv.onApply('b', e(1, 2)))).toBe('state-machine-safety');
    expect(violation(() => inv.onApply('a', e(3, 1)))).toBe('node-local');
  });

  it('durability: a restarted node must recover the term, vote and last entry it reported durable', () => {
    const withVote = (v: RaftInspection, vote: string | null): RaftInspection => ({ ...v, vote });
    const durable = { term: 3, vote: 'b', lastIndex: 2, lastTerm: 1 };
    const fine = new RaftClusterInvariants();
    fine.onPersisted('a', durable);
    fine.onRecovered(withVote(view('a', [e(1, 1), e(2, 1)], { term: 3 }), 'b'));
    fine.onRecovered(view('a', [e(1, 1), e(2, 1)], { term: 4 })); // a later term forgets nothing
    expect(fine.violations).toHaveLength(0);
    for (const [recovered, why] of [
      [view('a', [e(1, 1), e(2, 1)], { term: 3 }), 'vote forgotten'],
      [withVote(view('a', [e(1, 1), e(2, 1)], { term: 2 }), 'b'), 'term went back'],
      [withVote(view('a', [e(1, 1)], { term: 3 }), 'b'), 'entry lost'],
    ] as const) {
      const inv = new RaftClusterInvariants();
      inv.onPersisted('a', durable);
      expect(violation(() => inv.onRecovered(recovered)), why).toBe('durability');
    }
  });

  it('collect mode records instead of throwing', () => {
    const inv = new RaftClusterInvariants({ onViolation: 'collect' });
    inv.observe(view('a', [], { term: 1, role: 'leader' }));
    inv.observe(view('b', [], { term: 1, role: 'leader' }));
    expect(inv.violations.map((v) => v.invariant)).toEqual(['election-safety']);
  });

  it('accepts a healthy history', () => {
    const inv = new RaftClusterInvariants();
    inv.observe(view('a', [e(1, 1), e(2, 1)], { term: 1, role: 'leader', commit: 2 }));
    inv.observe(view('b', [e(1, 1), e(2, 1)], { term: 1, commit: 2 }));
    inv.observe(view('b', [e(1, 1), e(2, 1), e(3, 2)], { term: 2, role: 'leader', commit: 2 }));
    inv.onApply('a', e(1, 1));
    inv.onApply('b', e(1, 1));
    expect(inv.violations).toHaveLength(0);
  });
});
