/**
 * Claims from the Raft paper (and thesis), one per test, on bare RaftNodes
 * driven by hand (no storage: Readys are acknowledged at once). In the style
 * of etcd's raft_paper_test.go.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import type { RaftConfig } from './config.js';
import { isNotLeaderError, isRaftConfigError, isRaftUsageError } from './errors.js';
import type { AppendEntries, Message } from './messages.js';
import type { Ready } from './node.js';
import { RaftNode } from './node.js';
import type { Entry, HardState, RecoveredState } from './types.js';
import { makeConf } from './types.js';

const E = 10;
const enc = (s: string) => new TextEncoder().encode(s);

function node(id: string, voters: string[], opts: Partial<RaftConfig> = {}, recovered?: RecoveredState): RaftNode {
  return new RaftNode({ id, voters, rng: new SeededRng(id.charCodeAt(id.length - 1)), electionTicks: E, heartbeatTicks: 1, ...opts }, recovered);
}

/** Take and acknowledge a Ready (as if persisted instantly); return it. */
function flush(n: RaftNode): Ready {
  const rd = n.ready();
  n.advance(rd);
  return rd;
}

function msgs(n: RaftNode): Message[] {
  const out: Message[] = [];
  while (n.hasReady()) out.push(...flush(n).messages);
  return out;
}

function tickUntil(n: RaftNode, pred: () => boolean, max = 4 * E): number {
  for (let t = 1; t <= max; t++) {
    n.tick();
    if (pred()) return t;
  }
  throw new Error('condition never held');
}

/** Deliver messages among nodes until quiet (lossless, in order). */
function deliverAll(nodes: Map<string, RaftNode>, drop: (m: Message) => boolean = () => false): void {
  for (let round = 0; round < 1000; round++) {
    const pending: Message[] = [];
    for (const n of nodes.values()) pending.push(...msgs(n));
    if (pending.length === 0) return;
    for (const m of pending) if (!drop(m)) nodes.get(m.to)?.step(m);
  }
  throw new Error('no quiescence');
}

function trio(opts: Partial<RaftConfig> = {}): Map<string, RaftNode> {
  const ids = ['a', 'b', 'c'];
  return new Map(ids.map((id) => [id, node(id, ids, opts)]));
}

/** Elect `a` in a 3-node cluster. */
function electA(opts: Partial<RaftConfig> = {}): Map<string, RaftNode> {
  const nodes = trio(opts);
  for (const n of nodes.values()) msgs(n);
  const a = nodes.get('a')!;
  tickUntil(a, () => a.status().role !== 'follower');
  deliverAll(nodes);
  expect(a.status().role).toBe('leader');
  return nodes;
}

function hard(term: number, vote: string | null, commit: number): HardState {
  return { term, vote, commit };
}

function recoveredWith(voters: string[], terms: number[], h: HardState): RecoveredState {
  const entries: Entry[] = terms.map((term, i) =>
    i === 0 ? { index: 1, term, kind: 'conf-change', change: null, conf: makeConf(voters) } : { index: i + 1, term, kind: 'normal', data: enc(`e${i + 1}@${term}`) },
  );
  return { hardState: h, entries };
}

describe('§5.2 leader election', () => {
  it('servers start as followers', () => {
    const n = node('a', ['a', 'b', 'c']);
    expect(n.status().role).toBe('follower');
    expect(flush(n).hardState).toEqual(hard(1, null, 1));
  });

  it('a follower that hears nothing for an election timeout becomes a candidate: term+1, votes for itself, asks every voter', () => {
    const n = node('a', ['a', 'b', 'c'], { preVote: false });
    msgs(n);
    const ticks = tickUntil(n, () => n.status().role === 'candidate');
    expect(ticks).toBeGreaterThanOrEqual(E);
    expect(ticks).toBeLessThan(2 * E);
    const rd = flush(n);
    // The vote is persisted in the same Ready that carries the requests (persist before send).
    expect(rd.hardState).toEqual(hard(2, 'a', 1));
    expect(rd.messages.map((m) => [m.type, m.to, m.term])).toEqual([
      ['RequestVote', 'b', 2],
      ['RequestVote', 'c', 2],
    ]);
  });

  it('with pre-vote, a timed-out follower asks about term+1 without changing its term or vote', () => {
    const n = node('a', ['a', 'b', 'c']);
    msgs(n);
    tickUntil(n, () => n.status().role === 'pre-candidate');
    const rd = flush(n);
    expect(rd.hardState).toBeUndefined();
    expect(n.status()).toMatchObject({ term: 1, vote: null });
    expect(rd.messages.map((m) => [m.type, m.term])).toEqual([
      ['PreVote', 2],
      ['PreVote', 2],
    ]);
  });

  it('election timeouts are randomized in [electionTicks, 2·electionTicks), one fresh draw per election', () => {
    // A stub Rng hands out every possible draw in turn.
    const draws: number[] = [];
    let k = 0;
    const rng = {
      next: () => 0.5,
      int: (n: number) => {
        draws.push(n);
        return k++ % n;
      },
      intBetween: (a: number) => a,
      chance: () => false,
      fork: () => rng,
    };
    const n = new RaftNode({ id: 'a', voters: ['a', 'b', 'c'], rng, electionTicks: E, preVote: false });
    msgs(n);
    const seen: number[] = [];
    for (let election = 0; election < E; election++) {
      seen.push(tickUntil(n, () => n.status().term === 2 + election, 3 * E));
      msgs(n);
    }
    expect(draws.every((d) => d === E)).toBe(true);
    // Draw j of the stub is j: the first timeout is E + 0; each later election draws the next value.
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(E);
    expect(Math.max(...seen)).toBeLessThan(2 * E);
    expect(new Set(seen).size).toBeGreaterThan(E / 2);
  });

  it('a candidate with votes from a majority becomes leader and appends a no-op of its term', () => {
    const nodes = electA();
    const a = nodes.get('a')!;
    expect(a.status().term).toBe(2);
    expect(a.inspect().entryAt(2)).toMatchObject({ kind: 'noop', term: 2 });
    expect(nodes.get('b')!.status().leader).toBe('a');
  });

  it('each server votes for at most one candidate per term, first come first served', () => {
    const c = node('c', ['a', 'b', 'c']);
    msgs(c);
    const req = (from: string): Message => ({ type: 'RequestVote', from, to: 'c', term: 2, lastIndex: 1, lastTerm: 1, transfer: false });
    c.step(req('a'));
    c.step(req('b'));
    c.step(req('a'));
    const votes = msgs(c).filter((m) => m.type === 'RequestVoteResponse');
    expect(votes.map((m) => [m.to, m.type === 'RequestVoteResponse' && m.granted])).toEqual([
      ['a', true],
      ['b', false],
      ['a', true],
    ]);
    expect(c.status().vote).toBe('a');
  });

  it('§5.4.1: a voter denies its vote to a candidate whose log is less up to date', () => {
    const c = node('c', ['a', 'b', 'c'], {}, recoveredWith(['a', 'b', 'c'], [1, 2, 2], hard(2, null, 1)));
    msgs(c);
    let term = 2;
    const ask = (lastIndex: number, lastTerm: number) => {
      c.step({ type: 'RequestVote', from: 'a', to: 'c', term: ++term, lastIndex, lastTerm, transfer: false });
      const r = msgs(c).find((m) => m.type === 'RequestVoteResponse')!;
      return r.type === 'RequestVoteResponse' && r.granted;
    };
    expect(ask(2, 2)).toBe(false); // shorter log, same last term
    expect(ask(5, 1)).toBe(false); // longer log, older last term
    expect(ask(3, 2)).toBe(true); // same log
  });

  it('a candidate that hears from a leader of its term steps down to follower', () => {
    const n = node('b', ['a', 'b', 'c'], { preVote: false });
    msgs(n);
    tickUntil(n, () => n.status().role === 'candidate');
    const term = n.status().term;
    n.step({ type: 'Heartbeat', from: 'a', to: 'b', term, commit: 0, round: 1 });
    expect(n.status()).toMatchObject({ role: 'follower', leader: 'a', term });
  });

  it('§5.1: any message with a newer term makes the node a follower in that term', () => {
    const nodes = electA();
    const a = nodes.get('a')!;
    a.step({ type: 'AppendResponse', from: 'b', to: 'a', term: 9, reject: true, index: 0, hintIndex: 0, hintTerm: 0 });
    expect(a.status()).toMatchObject({ role: 'follower', term: 9, vote: null });
  });

  it('§5.1: a message with a stale term is rejected (and a stale leader is told the newer term)', () => {
    const b = node('b', ['a', 'b', 'c'], {}, recoveredWith(['a', 'b', 'c'], [1], hard(5, null, 1)));
    msgs(b);
    const outcome = b.step({ type: 'RequestVote', from: 'a', to: 'b', term: 3, lastIndex: 9, lastTerm: 3, transfer: false });
    expect(outcome).toEqual({ accepted: false, reason: 'stale term' });
    b.step({ type: 'AppendEntries', from: 'a', to: 'b', term: 3, prevIndex: 1, prevTerm: 1, entries: [], commit: 1 });
    const out = msgs(b);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ type: 'AppendResponse', to: 'a', term: 5 });
    expect(b.status().term).toBe(5);
  });

  it('leader stickiness: a voter that heard from the leader within the election timeout ignores vote requests', () => {
    const nodes = electA();
    const b = nodes.get('b')!;
    const outcome = b.step({ type: 'RequestVote', from: 'c', to: 'b', term: 7, lastIndex: 50, lastTerm: 6, transfer: false });
    expect(outcome.accepted).toBe(false);
    expect(b.status().term).toBe(2);
    // A transfer campaign (TimeoutNow) is let through.
    b.step({ type: 'RequestVote', from: 'c', to: 'b', term: 7, lastIndex: 50, lastTerm: 6, transfer: true });
    expect(b.status()).toMatchObject({ term: 7, vote: 'c' });
  });

  it('check-quorum: a leader that heard from no majority for an election timeout steps down', () => {
    const nodes = electA();
    const a = nodes.get('a')!;
    for (let t = 0; t < 2 * E; t++) {
      a.tick();
      msgs(a); // heartbeats go nowhere
    }
    expect(a.status().role).toBe('follower');
  });
});

describe('§5.3 log replication', () => {
  it('the leader broadcasts a heartbeat every heartbeatTicks with min(match, commit)', () => {
    const nodes = electA({ heartbeatTicks: 3 });
    const a = nodes.get('a')!;
    for (let t = 1; t <= 6; t++) {
      a.tick();
      const hb = msgs(a).filter((m) => m.type === 'Heartbeat');
      if (t % 3 === 0) {
        expect(hb.map((m) => m.to)).toEqual(['b', 'c']);
        expect(hb.every((m) => m.type === 'Heartbeat' && m.commit === 2)).toBe(true);
      } else {
        expect(hb).toHaveLength(0);
      }
    }
  });

  it('the leader appends a proposal to its log and replicates it to every follower', () => {
    const nodes = electA();
    const a = nodes.get('a')!;
    const r = a.propose(enc('x'));
    expect(r).toEqual({ ok: true, index: 3, term: 2 });
    const rd = flush(a);
    expect(rd.entries.map((e) => e.index)).toEqual([3]);
    const appends = rd.messages.filter((m): m is AppendEntries => m.type === 'AppendEntries');
    expect(appends.map((m) => [m.to, m.prevIndex, m.prevTerm, m.entries.length])).toEqual([
      ['b', 2, 2, 1],
      ['c', 2, 2, 1],
    ]);
  });

  it('an entry commits once a majority stored it, and followers learn the commit index', () => {
    const nodes = electA();
    const a = nodes.get('a')!;
    const r = a.propose(enc('x'));
    deliverAll(nodes, (m) => m.to === 'c' || m.from === 'c');
    expect(a.status().commit).toBe(r.ok ? r.index : -1);
    expect(nodes.get('b')!.status().commit).toBe(3);
    expect(nodes.get('c')!.status().commit).toBe(2);
  });

  it('committing an entry commits all preceding entries', () => {
    const nodes = electA();
    const a = nodes.get('a')!;
    for (const s of ['x', 'y', 'z']) a.propose(enc(s));
    const committed: number[] = [];
    for (let round = 0; round < 20 && a.hasReady(); round++) {
      const rd = a.ready();
      committed.push(...rd.committedEntries.map((e) => e.index));
      a.advance(rd);
      for (const m of rd.messages) nodes.get(m.to)!.step(m);
      for (const id of ['b', 'c']) for (const m of msgs(nodes.get(id)!)) a.step(m);
    }
    expect(committed).toEqual([3, 4, 5]);
  });

  it('a follower rejects an append whose (prevIndex, prevTerm) it lacks, with a hint that skips the conflicting term', () => {
    const b = node('b', ['a', 'b', 'c'], {}, recoveredWith(['a', 'b', 'c'], [1, 2, 2, 2, 2], hard(3, null, 1)));
    msgs(b);
    b.step({ type: 'AppendEntries', from: 'a', to: 'b', term: 4, prevIndex: 5, prevTerm: 3, entries: [], commit: 1 });
    const [resp] = msgs(b);
    // Our entries 2..5 are all term 2 ≤ 3, so the hint is our last index with its term.
    expect(resp).toMatchObject({ type: 'AppendResponse', reject: true, index: 5, hintIndex: 5, hintTerm: 2 });
    b.step({ type: 'AppendEntries', from: 'a', to: 'b', term: 4, prevIndex: 5, prevTerm: 1, entries: [], commit: 1 });
    const [resp2] = msgs(b);
    // Every term-2 entry is skipped at once: back to index 1 (term 1).
    expect(resp2).toMatchObject({ reject: true, hintIndex: 1, hintTerm: 1 });
  });

  it('a follower deletes a conflicting suffix and appends the leader’s entries', () => {
    const b = node('b', ['a', 'b', 'c'], {}, recoveredWith(['a', 'b', 'c'], [1, 2, 2, 2], hard(3, null, 2)));
    msgs(b);
    const entries: Entry[] = [
      { index: 3, term: 3, kind: 'normal', data: enc('new3') },
      { index: 4, term: 3, kind: 'normal', data: enc('new4') },
      { index: 5, term: 3, kind: 'normal', data: enc('new5') },
    ];
    b.step({ type: 'AppendEntries', from: 'a', to: 'b', term: 3, prevIndex: 2, prevTerm: 2, entries, commit: 4 });
    const rd = flush(b);
    expect(rd.entries.map((e) => [e.index, e.term])).toEqual([
      [3, 3],
      [4, 3],
      [5, 3],
    ]);
    expect(b.status()).toMatchObject({ lastIndex: 5, commit: 4 });
    expect(rd.messages[0]).toMatchObject({ type: 'AppendResponse', reject: false, index: 5 });
  });

  it('an old, reordered append never truncates entries a newer one appended', () => {
    const b = node('b', ['a', 'b', 'c'], {}, recoveredWith(['a', 'b', 'c'], [1], hard(2, null, 1)));
    msgs(b);
    const e = (i: number): Entry => ({ index: i, term: 2, kind: 'normal', data: enc(`${i}`) });
    b.step({ type: 'AppendEntries', from: 'a', to: 'b', term: 2, prevIndex: 1, prevTerm: 1, entries: [e(2), e(3), e(4)], commit: 1 });
    b.step({ type: 'AppendEntries', from: 'a', to: 'b', term: 2, prevIndex: 1, prevTerm: 1, entries: [e(2)], commit: 1 });
    expect(b.status().lastIndex).toBe(4);
  });

  it('Figure 7: the leader brings every divergent follower log in line with its own', () => {
    const V = ['L', 'a', 'b', 'c', 'd', 'e', 'f'];
    // Terms of entries 2.. (entry 1 is the bootstrap configuration, term 1), after the paper's figure.
    const logs: Record<string, number[]> = {
      L: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
      a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
      b: [1, 1, 1, 4],
      c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
      d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
      e: [1, 1, 1, 4, 4, 4, 4],
      f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    };
    const nodes = new Map(
      V.map((id) => {
        const terms = [1, ...logs[id]];
        return [id, node(id, V, { preVote: false, checkQuorum: false }, recoveredWith(V, terms, hard(7, null, 1)))];
      }),
    );
    for (const n of nodes.values()) msgs(n);
    const L = nodes.get('L')!;
    tickUntil(L, () => L.status().role === 'candidate');
    // d has a longer log of a newer term and denies; a majority of the others elects L.
    deliverAll(nodes, (m) => m.type === 'RequestVote' && m.to === 'd');
    expect(L.status().role).toBe('leader');
    L.propose(enc('final'));
    deliverAll(nodes);
    for (let t = 0; t < 3; t++) {
      L.tick();
      deliverAll(nodes);
    }
    const want = L.inspect();
    for (const [id, n] of nodes) {
      const v = n.inspect();
      expect(v.lastIndex, id).toBe(want.lastIndex);
      for (let i = 1; i <= want.lastIndex; i++) expect(v.termAt(i), `${id}@${i}`).toBe(want.termAt(i));
      expect(v.commit, id).toBe(want.lastIndex);
    }
  });

  it('Figure 8: a leader never commits an entry from a previous term by counting replicas', () => {
    // a leads term 4 with an entry of term 2 at index 3 that a majority (a, b) stores.
    const V = ['a', 'b', 'c'];
    const a = node('a', V, { preVote: false }, recoveredWith(V, [1, 1, 2], hard(3, null, 2)));
    const b = node('b', V, { preVote: false }, recoveredWith(V, [1, 1, 2], hard(3, null, 2)));
    const c = node('c', V, { preVote: false }, recoveredWith(V, [1, 1], hard(3, null, 2)));
    const nodes = new Map([
      ['a', a],
      ['b', b],
      ['c', c],
    ]);
    for (const n of nodes.values()) msgs(n);
    tickUntil(a, () => a.status().role === 'candidate');
    // Elected, but its no-op (index 4, term 4) never reaches anyone.
    deliverAll(nodes, (m) => m.type === 'AppendEntries' && m.entries.some((e) => e.term === 4));
    expect(a.status().role).toBe('leader');
    // b acknowledges index 3 (term 2): a majority holds it, but it is from term 2.
    a.step({ type: 'AppendResponse', from: 'b', to: 'a', term: 4, reject: false, index: 3, hintIndex: 0, hintTerm: 0 });
    expect(a.status().commit).toBe(2);
    // Once the term-4 entry is on a majority, both commit.
    a.step({ type: 'AppendResponse', from: 'b', to: 'a', term: 4, reject: false, index: 4, hintIndex: 0, hintTerm: 0 });
    expect(a.status().commit).toBe(4);
  });
});

describe('replication flow control', () => {
  it('batches proposals made between two Readys into one append per follower (up to maxEntriesPerAppend)', () => {
    const nodes = electA({ maxEntriesPerAppend: 64 });
    const a = nodes.get('a')!;
    deliverAll(nodes);
    for (let i = 0; i < 100; i++) a.propose(enc(`p${i}`));
    const appends = flush(a).messages.filter((m): m is AppendEntries => m.type === 'AppendEntries');
    // Replicate state: pipelined, two batches per follower (64 + 36).
    expect(appends.map((m) => [m.to, m.entries.length])).toEqual([
      ['b', 64],
      ['b', 36],
      ['c', 64],
      ['c', 36],
    ]);
  });

  it('pipelining stops at maxInflightAppends until acknowledgements arrive', () => {
    const nodes = electA({ maxEntriesPerAppend: 1, maxInflightAppends: 4 });
    deliverAll(nodes);
    const a = nodes.get('a')!;
    for (let i = 0; i < 10; i++) a.propose(enc(`p${i}`));
    const toB = flush(a).messages.filter((m) => m.type === 'AppendEntries' && m.to === 'b');
    expect(toB).toHaveLength(4);
    expect(a.status().progress!.b).toMatchObject({ state: 'replicate', match: 2 });
  });

  it('a follower in probe state gets one append at a time', () => {
    const nodes = electA();
    deliverAll(nodes);
    const a = nodes.get('a')!;
    expect(a.status().progress!.b.state).toBe('replicate');
    // The transport lost contact: stop streaming and probe.
    a.reportUnreachable('b');
    expect(a.status().progress!.b.state).toBe('probe');
    for (let i = 0; i < 3; i++) a.propose(enc(`p${i}`));
    const first = flush(a).messages.filter((m) => m.type === 'AppendEntries' && m.to === 'b');
    expect(first).toHaveLength(1);
    a.propose(enc('more'));
    expect(flush(a).messages.filter((m) => m.type === 'AppendEntries' && m.to === 'b')).toHaveLength(0);
    expect(flush(a).messages.filter((m) => m.type === 'AppendEntries' && m.to === 'c')).toHaveLength(0);
  });
});

describe('the Ready contract and the API', () => {
  it('ready() twice without advance() is a usage error', () => {
    const n = node('a', ['a']);
    n.ready();
    expect(() => n.ready()).toThrow(/not advanced/);
    try {
      n.ready();
    } catch (e) {
      expect(isRaftUsageError(e)).toBe(true);
    }
  });

  it('a single-voter cluster elects itself and commits at once', () => {
    const n = node('solo', ['solo']);
    flush(n);
    tickUntil(n, () => n.status().role === 'leader');
    const r = n.propose(enc('x'));
    const rd = flush(n);
    expect(rd.entries.map((e) => e.index)).toContain(r.ok ? r.index : -1);
    expect(rd.committedEntries.map((e) => e.index)).toContain(r.ok ? r.index : -1);
    expect(n.readIndex('r').ok).toBe(true);
    expect(flush(n).readStates).toEqual([{ index: n.status().commit, context: 'r' }]);
  });

  it('proposals to a follower return NotLeaderError with the leader hint', () => {
    const nodes = electA();
    const r = nodes.get('b')!.propose(enc('x'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(isNotLeaderError(r.error)).toBe(true);
      expect(r.error).toMatchObject({ leaderHint: 'a', term: 2 });
    }
  });

  it('learners replicate but never campaign and never count toward the quorum', () => {
    const ids = ['a', 'b', 'l'];
    const nodes = new Map(ids.map((id) => [id, new RaftNode({ id, voters: ['a', 'b'], learners: ['l'], rng: new SeededRng(1), electionTicks: E })]));
    for (const n of nodes.values()) msgs(n);
    const l = nodes.get('l')!;
    for (let t = 0; t < 5 * E; t++) l.tick();
    expect(l.status().role).toBe('follower');
    expect(msgs(l)).toHaveLength(0);
    const a = nodes.get('a')!;
    tickUntil(a, () => a.status().role !== 'follower');
    deliverAll(nodes);
    const r = a.propose(enc('x'));
    deliverAll(nodes, (m) => m.from === 'b' || m.to === 'b');
    expect(l.status().lastIndex).toBe(r.ok ? r.index : -1);
    expect(a.status().commit).toBeLessThan(r.ok ? r.index : 0);
  });

  it('invalid options fail with a message naming the API and the option', () => {
    const bad = (o: Partial<RaftConfig>) => () => new RaftNode({ id: 'a', rng: new SeededRng(1), ...o });
    expect(bad({ electionTicks: 5, heartbeatTicks: 5 })).toThrow('RaftNode: heartbeatTicks (5) must be < electionTicks (5)');
    expect(bad({ readOnlyOption: 'lease-based' })).toThrow(/monoNowMs/);
    expect(bad({ maxProposalBytes: 10, maxAppendBytes: 5 })).toThrow(/maxProposalBytes/);
    try {
      bad({ voters: ['a', 'a'] })();
    } catch (e) {
      expect(isRaftConfigError(e)).toBe(true);
    }
  });
});

describe('defensive message handling', () => {
  it('malformed, misaddressed and impossible messages are dropped with a reason, never thrown', () => {
    const nodes = electA();
    const b = nodes.get('b')!;
    const cases: Array<[unknown, RegExp]> = [
      [null, /not an object/],
      [{ type: 'Nope', from: 'a', to: 'b', term: 2 }, /unknown message type/],
      [{ type: 'Heartbeat', from: 'a', to: 'zz', term: 2, commit: 0, round: 1 }, /addressed to zz/],
      [{ type: 'Heartbeat', from: 'a', to: 'b', term: -1, commit: 0, round: 1 }, /term/],
      [{ type: 'AppendEntries', from: 'a', to: 'b', term: 2, prevIndex: 2, prevTerm: 2, commit: 0, entries: [{ index: 9, term: 2, kind: 'noop' }] }, /contiguous/],
      [{ type: 'AppendEntries', from: 'a', to: 'b', term: 2, prevIndex: 2, prevTerm: 2, commit: 0, entries: [{ index: 3, term: 5, kind: 'noop' }] }, /≤ the message term/],
      [{ type: 'Heartbeat', from: 'c', to: 'b', term: 2, commit: 0, round: 1 }, /both lead term 2/],
    ];
    for (const [m, reason] of cases) {
      const out = b.step(m);
      expect(out.accepted).toBe(false);
      if (!out.accepted) expect(out.reason).toMatch(reason);
    }
    expect(b.status().term).toBe(2);
    expect(b.status().leader).toBe('a');
  });

  it('property: no input from a peer makes step() throw', () => {
    const nodes = electA();
    const targets = [nodes.get('a')!, nodes.get('b')!];
    const entry = fc.record({
      index: fc.integer({ min: -1, max: 8 }),
      term: fc.integer({ min: -1, max: 4 }),
      kind: fc.constantFrom('normal', 'noop', 'conf-change', 'x'),
      data: fc.uint8Array({ maxLength: 4 }),
      conf: fc.constantFrom(undefined, { voters: ['a'], learners: [] }, { voters: [1], learners: [] }),
      change: fc.constantFrom(null, undefined, { type: 'add-voter', node: 'q' }),
    });
    const message = fc.record(
      {
        type: fc.constantFrom('AppendEntries', 'AppendResponse', 'RequestVote', 'RequestVoteResponse', 'PreVote', 'PreVoteResponse', 'Heartbeat', 'HeartbeatResponse', 'InstallSnapshot', 'InstallSnapshotResponse', 'TimeoutNow', 'ReadIndex', 'ReadIndexResponse', 'Bogus'),
        from: fc.constantFrom('a', 'b', 'c', 'x', ''),
        to: fc.constantFrom('a', 'b'),
        term: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(Number.NaN)),
        prevIndex: fc.integer({ min: -1, max: 8 }),
        prevTerm: fc.integer({ min: -1, max: 5 }),
        commit: fc.integer({ min: -1, max: 12 }),
        index: fc.integer({ min: -1, max: 12 }),
        hintIndex: fc.integer({ min: -1, max: 12 }),
        hintTerm: fc.integer({ min: -1, max: 5 }),
        reject: fc.boolean(),
        granted: fc.boolean(),
        transfer: fc.boolean(),
        lastIndex: fc.integer({ min: -1, max: 12 }),
        lastTerm: fc.integer({ min: -1, max: 5 }),
        round: fc.integer({ min: -1, max: 50 }),
        context: fc.string({ maxLength: 3 }),
        entries: fc.array(entry, { maxLength: 3 }),
        snapshot: fc.constantFrom(undefined, { metadata: { index: 5, term: 2, conf: { voters: ['a', 'b', 'c'], learners: [] } }, data: new Uint8Array(1) }),
      },
      { requiredKeys: ['type', 'from', 'to', 'term'] },
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 30 }), fc.nat(1), (ms, k) => {
        const n = targets[k];
        for (const m of ms) {
          n.step(m);
          msgs(n);
          n.tick();
        }
      }),
      { numRuns: 300 },
    );
  });
});
