/**
 * The asynchronous storage writes contract (`asyncStorageWrites`), driven by
 * hand so each step's timing is ours: the leader counts itself toward a
 * quorum only for entries storage reported durable, committed entries are
 * handed out only once durable locally, and Readies advance in order.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import { RaftUsageError } from './errors.js';
import type { Message } from './messages.js';
import type { Ready } from './node.js';
import { RaftNode } from './node.js';

const E = 10;
const IDS = ['a', 'b', 'c'];
const text = new TextEncoder();

function cluster(asyncStorageWrites: boolean): Map<string, RaftNode> {
  return new Map(IDS.map((id) => [id, new RaftNode({ id, voters: IDS, rng: new SeededRng(id.charCodeAt(0)), electionTicks: E, heartbeatTicks: 1, asyncStorageWrites })]));
}

/** Persist instantly and deliver everything until quiet. */
function settle(nodes: Map<string, RaftNode>): void {
  for (let round = 0; round < 100; round++) {
    const out: Message[] = [];
    for (const n of nodes.values()) {
      while (n.hasReady()) {
        const rd = n.ready();
        out.push(...rd.messages);
        n.advance(rd);
      }
    }
    if (out.length === 0) return;
    for (const m of out) nodes.get(m.to)!.step(m);
  }
  throw new Error('did not settle');
}

function elect(nodes: Map<string, RaftNode>): RaftNode {
  const a = nodes.get('a')!;
  for (let t = 0; t < 4 * E && a.status().role !== 'leader'; t++) {
    a.tick();
    settle(nodes);
  }
  expect(a.status().role).toBe('leader');
  return a;
}

/** Propose `value` on the leader; its log index (the proposal must be accepted). */
function propose(n: RaftNode, value: string): number {
  const r = n.propose(text.encode(value));
  if (!r.ok) throw new Error(`proposal refused: ${r.error.message}`);
  return r.index;
}

function appendsTo(rd: Ready, to: string): Message[] {
  return rd.messages.filter((m) => m.to === to && m.type === 'AppendEntries');
}

/** `n` takes `msgs`, persists at once, and returns what it sends. */
function persistAndReply(n: RaftNode, msgs: readonly Message[]): Message[] {
  for (const m of msgs) n.step(m);
  const out: Message[] = [];
  while (n.hasReady()) {
    const rd = n.ready();
    out.push(...rd.messages);
    n.advance(rd);
  }
  return out;
}

describe('asynchronous storage writes', () => {
  it('a leader does not count its own unwritten entry: one follower ack is not a quorum until the leader is durable', () => {
    const nodes = cluster(true);
    const a = elect(nodes);
    const index = propose(a, 'x');
    const rd1 = a.ready();
    expect(rd1.entries.map((e) => e.index)).toEqual([index]);
    // b writes and acknowledges; a's own write is still in flight.
    for (const m of persistAndReply(nodes.get('b')!, appendsTo(rd1, 'b'))) a.step(m);
    expect(a.status().commit).toBeLessThan(index);
    // A second Ready while the first is outstanding: nothing new to persist, nothing committed.
    const rd2 = a.ready();
    expect(rd2.entries).toEqual([]);
    expect(rd2.committedEntries).toEqual([]);
    expect(() => a.advance(rd2)).toThrow(/in the order/);
    a.advance(rd1); // a's entry is durable: with b's, a quorum
    expect(a.status().commit).toBe(index);
    a.advance(rd2);
    const rd3 = a.ready();
    expect(rd3.committedEntries.map((e) => e.index)).toEqual([index]);
    // Applied on hand-out (the host applies what it receives at once).
    expect(a.status().applied).toBe(index);
    a.advance(rd3);
  });

  it('the one-Ready contract counts the leader at once (what the async mode must not do)', () => {
    const nodes = cluster(false);
    const a = elect(nodes);
    const index = propose(a, 'x');
    const rd1 = a.ready();
    for (const m of persistAndReply(nodes.get('b')!, appendsTo(rd1, 'b'))) a.step(m);
    expect(a.status().commit).toBe(index);
    expect(() => a.ready()).toThrow(/not advanced/);
  });

  it('a follower is handed committed entries only once they are durable on it, and each Ready only what is new', () => {
    const nodes = cluster(true);
    const a = elect(nodes);
    const b = nodes.get('b')!;
    const index = propose(a, 'y');
    const rd1 = a.ready();
    a.advance(rd1);
    // c acknowledges, so the entry commits; b has received it but not written it.
    for (const m of persistAndReply(nodes.get('c')!, appendsTo(rd1, 'c'))) a.step(m);
    expect(a.status().commit).toBe(index);
    for (const m of appendsTo(rd1, 'b')) b.step(m);
    const bw = b.ready(); // b's write of the entry, in flight
    expect(bw.entries.map((e) => e.index)).toEqual([index]);
    // The commit index reaches b (carried by the next append) while its write of the entry is still in flight.
    propose(a, 'y2');
    const rd2 = a.ready();
    for (const m of appendsTo(rd2, 'b')) b.step(m);
    expect(b.status().commit).toBe(index);
    const more = b.ready();
    expect(more.entries.map((e) => e.index)).toEqual([index + 1]); // only what the first Ready did not hold
    expect(more.committedEntries.map((e) => e.index)).not.toContain(index);
    expect(b.hasReady()).toBe(false);
    b.advance(bw); // now durable on b
    expect(b.hasReady()).toBe(true);
    const after = b.ready();
    expect(after.committedEntries.map((e) => e.index)).toContain(index);
    b.advance(more);
    b.advance(after);
    a.advance(rd2);
  });

  it('a single-node cluster commits its entry when the write is reported durable', () => {
    const n = new RaftNode({ id: 'solo', voters: ['solo'], rng: new SeededRng(1), electionTicks: E, asyncStorageWrites: true });
    for (let t = 0; t < 4 * E && n.status().role !== 'leader'; t++) {
      n.tick();
      while (n.hasReady()) n.advance(n.ready());
    }
    expect(n.status().role).toBe('leader');
    const index = propose(n, 'z');
    const rd = n.ready();
    expect(n.status().commit).toBeLessThan(index);
    n.advance(rd);
    expect(n.status().commit).toBe(index);
    const next = n.ready();
    expect(next.committedEntries.map((e) => e.index)).toEqual([index]);
  });

  it('advancing a Ready that was never handed out is a usage error', () => {
    const nodes = cluster(true);
    const a = elect(nodes);
    const rd = a.ready();
    a.advance(rd);
    expect(() => a.advance(rd)).toThrow(RaftUsageError);
  });
});

describe('carrying a new commit index to followers', () => {
  it('an empty append goes only to a follower with nothing in flight; one with an unanswered append is told when it answers', () => {
    const nodes = cluster(false);
    const a = elect(nodes);
    const index = propose(a, 'x');
    const rd1 = a.ready();
    a.advance(rd1);
    for (const m of persistAndReply(nodes.get('b')!, appendsTo(rd1, 'b'))) a.step(m);
    expect(a.status().commit).toBe(index);
    const rd2 = a.ready();
    const toB = appendsTo(rd2, 'b');
    expect(toB).toHaveLength(1);
    expect(toB[0]).toMatchObject({ entries: [], commit: index });
    expect(appendsTo(rd2, 'c')).toEqual([]); // its append of the entry is still unanswered
    a.advance(rd2);
    for (const m of persistAndReply(nodes.get('c')!, appendsTo(rd1, 'c'))) a.step(m);
    const rd3 = a.ready();
    expect(appendsTo(rd3, 'c')).toEqual([expect.objectContaining({ entries: [], commit: index })]);
    expect(appendsTo(rd3, 'b')).toEqual([]); // already told
    a.advance(rd3);
  });
});
