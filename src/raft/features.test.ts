/**
 * Feature scenarios on the cluster harness: crash recovery from a torn WAL,
 * refusal on mid-log corruption, membership changes under loss, leadership
 * transfer, batched ReadIndex, lease reads, pre-vote and check-quorum.
 */
import { describe, expect, it } from 'vitest';
import { isCorruptLogError, isNotLeaderError, isProposalRefusedError } from './errors.js';
import { RecordType, encodeRecord } from './storage/record.js';
import type { ClusterOptions } from './testing/cluster.js';
import { RaftTestCluster } from './testing/cluster.js';

function leaderOf(c: RaftTestCluster): string {
  return c.checkOneLeader();
}

function lastSegment(c: RaftTestCluster, id: string): string {
  return c.disk(id).list().filter((n) => n.includes('wal-')).pop()!;
}

function settleDisk(c: RaftTestCluster): void {
  c.runFor(5);
}

describe('crash recovery from storage', () => {
  it('a node restarted with a torn last WAL record recovers, reports the tear and catches up', () => {
    const c = new RaftTestCluster({ seed: 41 });
    for (let i = 0; i < 5; i++) c.one(`before-${i}`, 3, true);
    const victim = c.ids.find((id) => id !== leaderOf(c))!;
    c.crash(victim);
    // A crash in the middle of writing a record: only its first half reached the disk.
    const seg = lastSegment(c, victim);
    const record = encodeRecord(RecordType.HardState, new Uint8Array(40).fill(7));
    c.disk(victim).append(seg, record.subarray(0, 20));
    c.disk(victim).fsync(seg, () => {});
    settleDisk(c);
    const sizeBefore = c.disk(victim).read(seg)!.byteLength;
    c.restart(victim);
    const report = c.lastRecovery(victim)!;
    // At least our 20 bytes (the crash may also have torn the victim's own last, unsynced write).
    expect(report.tornTail).toMatchObject({ file: seg, reason: 'incomplete record' });
    expect(report.tornTail!.droppedBytes).toBeGreaterThanOrEqual(20);
    expect(c.disk(victim).read(seg)!.byteLength).toBe(sizeBefore - report.tornTail!.droppedBytes);
    const index = c.one('after', 3, true);
    expect(c.stateMachine(victim).commands.get(index)).toBe('after');
  });

  it('a torn last record that fails its checksum is cut off too', () => {
    const c = new RaftTestCluster({ seed: 42 });
    c.one('x', 3, true);
    const victim = c.ids[0];
    c.crash(victim);
    const seg = lastSegment(c, victim);
    const record = encodeRecord(RecordType.HardState, new Uint8Array(16).fill(1));
    record[record.byteLength - 1] ^= 0x55;
    c.disk(victim).append(seg, record);
    c.disk(victim).fsync(seg, () => {});
    settleDisk(c);
    c.restart(victim);
    expect(c.lastRecovery(victim)!.tornTail?.reason).toBe('checksum mismatch');
    c.one('y', 3, true);
  });

  it('corruption in the middle of the log refuses to start with CorruptLogError', () => {
    const c = new RaftTestCluster({ seed: 43 });
    for (let i = 0; i < 5; i++) c.one(`v${i}`, 3, true);
    const victim = c.ids[1];
    c.crash(victim);
    const seg = lastSegment(c, victim);
    const bytes = c.disk(victim).read(seg)!;
    // Flip a byte inside the second record (the first after the segment header).
    c.disk(victim).corrupt(seg, Math.floor(bytes.byteLength / 3));
    let error: unknown;
    try {
      c.restart(victim);
    } catch (e) {
      error = e;
    }
    expect(isCorruptLogError(error)).toBe(true);
    expect((error as Error).message).toMatch(/refusing to start/);
    expect(c.isAlive(victim)).toBe(false);
    // The rest of the cluster is unaffected.
    c.one('still-works', 2, true);
  });

  it('only fsynced state survives: a crash before fsync completes loses the unsent work, never acknowledged work', () => {
    const c = new RaftTestCluster({ seed: 44, fsyncMs: [5, 15] });
    for (let i = 0; i < 30; i++) {
      c.one(`w${i}`, 2, true);
      if (i % 3 === 0) c.restart(c.ids[i % 3]);
    }
    c.one('end', 3, true);
  });
});

describe('membership changes (single-server, effective on append)', () => {
  it('add a learner, let it catch up, promote it, then remove a voter — under message loss', () => {
    const c = new RaftTestCluster({ seed: 51, joiners: ['n4'], network: { lossRate: 0.05, delayMsMax: 8 } });
    for (let i = 0; i < 20; i++) c.one(`m${i}`, 3, true);
    let leader = leaderOf(c);
    const change = (type: 'add-learner' | 'promote-learner' | 'remove-voter', node: string): void => {
      const ok = c.runUntil(() => {
        const l = [...c.leadersByTerm().values()].flat()[0];
        if (l === undefined) return false;
        const r = c.proposeConfChange(l, { type, node });
        if (!r.ok && !isProposalRefusedError(r.error)) return false;
        if (!r.ok) return false;
        leader = l;
        return true;
      }, 5_000);
      expect(ok).toBe(true);
    };
    change('add-learner', 'n4');
    expect(c.runUntil(() => c.status(leader).learners.includes('n4') && c.status(leader).commit === c.status(leader).lastIndex, 5_000)).toBe(true);
    // The learner replicates but does not vote and does not count toward commit.
    expect(c.runUntil(() => c.stateMachine('n4').lastApplied >= c.status(leader).commit, 5_000)).toBe(true);
    expect(c.status('n4').voters).not.toContain('n4');
    change('promote-learner', 'n4');
    expect(c.runUntil(() => c.ids.every((id) => c.status(id).voters.includes('n4')), 5_000)).toBe(true);
    c.one('with-n4', 4, true);
    const removed = leaderOf(c);
    change('remove-voter', removed);
    // The removed leader steps down once its removal commits; the others carry on.
    expect(c.runUntil(() => c.status(removed).role !== 'leader' && !c.status(removed).voters.includes(removed), 5_000)).toBe(true);
    c.disconnect(removed);
    c.one('after-removal', 3, true);
    expect(c.status(leaderOf(c)).voters).toHaveLength(3);
  });

  it('refuses a second change while one is uncommitted, and nonsense changes', () => {
    const c = new RaftTestCluster({ seed: 52, joiners: ['n4', 'n5'] });
    const leader = leaderOf(c);
    c.one('a', 3, true);
    const follower = c.ids.find((id) => id !== leader && c.founders.includes(id))!;
    c.disconnect(follower);
    c.disconnect(c.ids.find((id) => id !== leader && id !== follower && c.founders.includes(id))!);
    const first = c.proposeConfChange(leader, { type: 'add-learner', node: 'n4' });
    expect(first.ok).toBe(true);
    const second = c.proposeConfChange(leader, { type: 'add-learner', node: 'n5' });
    expect(!second.ok && isProposalRefusedError(second.error) && second.error.reason).toBe('conf-change-pending');
    for (const id of c.ids) c.connect(id);
    expect(c.runUntil(() => c.status(leader).commit >= (first.ok ? first.index : Infinity), 3_000)).toBe(true);
    const bad = c.proposeConfChange(leader, { type: 'promote-learner', node: leader });
    expect(!bad.ok && isProposalRefusedError(bad.error) && bad.error.reason).toBe('invalid-conf-change');
    const notLeader = c.proposeConfChange(follower, { type: 'add-learner', node: 'n5' });
    expect(!notLeader.ok && isNotLeaderError(notLeader.error)).toBe(true);
  });

  it('an uncommitted configuration is rolled back when its entry is truncated', () => {
    const c = new RaftTestCluster({ seed: 53, nodes: 5, joiners: ['n6'] });
    const leader = leaderOf(c);
    c.one('base', 5, true);
    const others = c.ids.filter((id) => id !== leader && c.founders.includes(id));
    // The leader and one follower are cut off; the change reaches that follower only.
    c.partition([leader, others[0]], [others[1], others[2], others[3]], ['n6']);
    const r = c.proposeConfChange(leader, { type: 'add-learner', node: 'n6' });
    expect(r.ok).toBe(true);
    expect(c.runUntil(() => c.status(others[0]).learners.includes('n6'), 1_000)).toBe(true);
    // The majority side elects a leader and writes over the uncommitted change.
    expect(c.runUntil(() => [others[1], others[2], others[3]].some((id) => c.status(id).role === 'leader'), 3_000)).toBe(true);
    const newLeader = [others[1], others[2], others[3]].find((id) => c.status(id).role === 'leader')!;
    c.propose(newLeader, 'overwrite');
    c.runFor(200);
    c.heal();
    expect(c.runUntil(() => !c.status(others[0]).learners.includes('n6') && !c.status(leader).learners.includes('n6'), 3_000)).toBe(true);
  });
});

describe('leadership transfer', () => {
  it('transfers to a caught-up voter via TimeoutNow, refusing proposals meanwhile', () => {
    const c = new RaftTestCluster({ seed: 61 });
    c.one('t0', 3, true);
    const leader = leaderOf(c);
    const target = c.ids.find((id) => id !== leader)!;
    const term = c.status(leader).term;
    expect(c.withNode(leader, (n) => n.transferLeadership(target)).ok).toBe(true);
    const during = c.propose(leader, 'during');
    expect(!during.ok && isProposalRefusedError(during.error) && during.error.reason).toBe('leadership-transfer');
    expect(c.runUntil(() => c.status(target).role === 'leader', 500)).toBe(true);
    expect(c.status(target).term).toBe(term + 1);
    expect(c.stats.sentByType.get('TimeoutNow')).toBe(1);
    c.one('t1', 3, true);
  });

  it('catches a lagging target up before handing over', () => {
    const c = new RaftTestCluster({ seed: 62 });
    const leader = leaderOf(c);
    const target = c.ids.find((id) => id !== leader)!;
    c.disconnect(target);
    for (let i = 0; i < 30; i++) c.one(`lag${i}`, 2, true);
    c.connect(target);
    const lastIndex = c.status(leader).lastIndex;
    c.withNode(leader, (n) => n.transferLeadership(target));
    expect(c.runUntil(() => c.status(target).role === 'leader', 1_000)).toBe(true);
    expect(c.status(target).lastIndex).toBeGreaterThan(lastIndex);
  });

  it('is abandoned after an election timeout when the target is unreachable', () => {
    const c = new RaftTestCluster({ seed: 63 });
    const leader = leaderOf(c);
    const target = c.ids.find((id) => id !== leader)!;
    c.one('x', 3, true);
    c.disconnect(target);
    c.one('y', 2, true);
    c.withNode(leader, (n) => n.transferLeadership(target));
    expect(c.status(leader).leadTransferee).toBe(target);
    c.runFor(250);
    expect(c.status(leader).role).toBe('leader');
    expect(c.status(leader).leadTransferee).toBeNull();
    expect(c.propose(leader, 'accepted-again').ok).toBe(true);
  });
});

describe('linearizable reads', () => {
  it('ReadIndex batching: N concurrent reads cost one heartbeat round', () => {
    const c = new RaftTestCluster({ seed: 71, nodes: 5 });
    c.one('r0', 5, true);
    const leader = leaderOf(c);
    const commit = c.status(leader).commit;
    const heartbeatsBefore = c.stats.sentByType.get('Heartbeat') ?? 0;
    c.withNode(leader, (n) => {
      for (let i = 0; i < 50; i++) expect(n.readIndex(`read-${i}`).ok).toBe(true);
    });
    // One round: one heartbeat per follower, sent with the Ready that followed the reads.
    expect((c.stats.sentByType.get('Heartbeat') ?? 0) - heartbeatsBefore).toBe(4);
    expect(c.runUntil(() => c.readStates(leader).length === 50, 100)).toBe(true);
    expect(new Set(c.readStates(leader).map((r) => r.index))).toEqual(new Set([commit]));
    expect(c.readStates(leader).map((r) => r.context)).toEqual(Array.from({ length: 50 }, (_, i) => `read-${i}`));
  });

  it('a follower read is forwarded to the leader and answered with the leader’s commit index', () => {
    const c = new RaftTestCluster({ seed: 72 });
    const idx = c.one('r', 3, true);
    const follower = c.ids.find((id) => id !== leaderOf(c))!;
    expect(c.withNode(follower, (n) => n.readIndex('f-1')).ok).toBe(true);
    expect(c.runUntil(() => c.readStates(follower).length === 1, 200)).toBe(true);
    expect(c.readStates(follower)[0]).toEqual({ index: idx, context: 'f-1' });
  });

  it('a leader cut off from the quorum never confirms a read', () => {
    const c = new RaftTestCluster({ seed: 73 });
    c.one('r', 3, true);
    const leader = leaderOf(c);
    c.partition([leader], c.ids.filter((id) => id !== leader));
    c.withNode(leader, (n) => n.readIndex('stale?'));
    c.runFor(1_000);
    expect(c.readStates(leader)).toHaveLength(0);
  });

  it('a new leader defers reads until it commits an entry of its term', () => {
    const c = new RaftTestCluster({ seed: 74, raft: { checkQuorum: true } });
    const old = leaderOf(c);
    c.one('a', 3, true);
    c.disconnect(old);
    expect(c.runUntil(() => c.ids.some((id) => id !== old && c.status(id).role === 'leader'), 2_000)).toBe(true);
    const leader = c.ids.find((id) => id !== old && c.status(id).role === 'leader')!;
    c.withNode(leader, (n) => n.readIndex('early'));
    expect(c.runUntil(() => c.readStates(leader).length === 1, 500)).toBe(true);
    const rs = c.readStates(leader)[0];
    // Its read index includes its own no-op, so it is at least the old commit index.
    expect(rs.index).toBeGreaterThanOrEqual(c.status(leader).commit - 1);
    expect(c.status(leader).commit).toBeGreaterThanOrEqual(rs.index);
  });
});

describe('lease reads (readOnlyOption: lease-based)', () => {
  const lease: ClusterOptions = { raft: { readOnlyOption: 'lease-based', maxClockDriftRate: 0.05 } };

  it('answer at once, without a heartbeat round, while the lease is valid', () => {
    const c = new RaftTestCluster({ seed: 81, ...lease });
    c.one('l', 3, true);
    const leader = leaderOf(c);
    c.runFor(50);
    expect(c.status(leader).leaseValid).toBe(true);
    const before = c.stats.sentByType.get('Heartbeat') ?? 0;
    c.withNode(leader, (n) => n.readIndex('fast'));
    expect(c.readStates(leader)).toHaveLength(1);
    expect((c.stats.sentByType.get('Heartbeat') ?? 0) - before).toBe(0);
  });

  it('are refused once the lease expired: a partitioned leader falls back to a quorum round that never completes', () => {
    const c = new RaftTestCluster({ seed: 82, ...lease });
    c.one('l', 3, true);
    const leader = leaderOf(c);
    c.runFor(50);
    c.partition([leader], c.ids.filter((id) => id !== leader));
    // Lease: (electionTicks − 1) · 10 ms · (1 − 0.05) = 85.5 ms after the last confirmed round.
    c.runFor(90);
    expect(c.status(leader).role).toBe('leader');
    expect(c.status(leader).leaseValid).toBe(false);
    c.withNode(leader, (n) => n.readIndex('after-expiry'));
    c.runFor(500);
    expect(c.readStates(leader)).toHaveLength(0);
  });

  it('a paused leader (GC pause) wakes up with a void lease and serves no read from it', () => {
    const c = new RaftTestCluster({ seed: 83, ...lease });
    c.one('before', 3, true);
    const leader = leaderOf(c);
    c.runFor(50);
    expect(c.status(leader).leaseValid).toBe(true);
    c.pause(leader, 1_000);
    expect(c.runUntil(() => c.ids.some((id) => id !== leader && c.status(id).role === 'leader'), 900)).toBe(true);
    const newLeader = c.ids.find((id) => id !== leader && c.status(id).role === 'leader')!;
    const w = c.propose(newLeader, 'written-during-pause');
    expect(w.ok && c.runUntil(() => c.nCommitted(w.index).count >= 2, 500)).toBe(true);
    // The instant it wakes, before it hears of the new term, it still thinks it leads…
    const old = c.node(leader)!;
    expect(old.status().role).toBe('leader');
    // …but its monotonic clock moved on while it slept, so the lease is void and a read waits for a quorum.
    expect(old.status().leaseValid).toBe(false);
    expect(old.readIndex('stale?').ok).toBe(true);
    expect(old.ready().readStates).toHaveLength(0);
  });

  /** n1 leads with a monotonic clock running at a quarter of true speed; n1 is then cut off and the others move on. */
  function slowClockLeaderCutOff(maxClockDriftRate: number): { c: RaftTestCluster; newLeader: string } {
    const c = new RaftTestCluster({ seed: 85, clockRates: { n1: 0.25 }, raft: { readOnlyOption: 'lease-based', maxClockDriftRate } });
    const first = leaderOf(c);
    if (first !== 'n1') c.withNode(first, (n) => n.transferLeadership('n1'));
    expect(c.runUntil(() => c.status('n1').role === 'leader', 1_000)).toBe(true);
    c.one('a', 3, true);
    expect(c.runUntil(() => c.status('n1').leaseValid === true, 1_000)).toBe(true);
    c.partition(['n1'], ['n2', 'n3']);
    expect(c.runUntil(() => ['n2', 'n3'].some((id) => c.status(id).role === 'leader'), 2_000)).toBe(true);
    const newLeader = ['n2', 'n3'].find((id) => c.status(id).role === 'leader')!;
    const w = c.propose(newLeader, 'newer');
    expect(w.ok && c.runUntil(() => c.status(newLeader).commit >= w.index, 500)).toBe(true);
    return { c, newLeader };
  }

  it('negative control: a clock slower than the assumed drift bound lets a stale lease read through, and the checker catches it', () => {
    const { c } = slowClockLeaderCutOff(0);
    expect(c.status('n1').leaseValid).toBe(true);
    expect(() => {
      c.read('n1');
      c.runFor(5);
    }).toThrow(/stale read/);
  });

  it('with an honest drift bound the same leader’s lease is already void', () => {
    const { c } = slowClockLeaderCutOff(0.8);
    expect(c.status('n1').role).toBe('leader');
    expect(c.status('n1').leaseValid).toBe(false);
    c.read('n1');
    c.runFor(500);
    expect(c.stats.readsServed).toBe(0);
  });

  it('followers never vote while they owe a leader its lease (stickiness), so no second leader appears', () => {
    const c = new RaftTestCluster({ seed: 84, ...lease, nodes: 5 });
    c.one('l', 5, true);
    const leader = leaderOf(c);
    const term = c.status(leader).term;
    // A follower that cannot hear the leader campaigns, but everyone else still hears the leader.
    const loner = c.ids.find((id) => id !== leader)!;
    c.cutLink(leader, loner);
    c.runFor(2_000);
    expect(c.status(leader).role).toBe('leader');
    expect(c.status(leader).term).toBe(term);
  });
});

describe('pre-vote and check-quorum', () => {
  it('pre-vote: a partitioned node does not inflate its term nor disrupt the leader when it returns', () => {
    const c = new RaftTestCluster({ seed: 91 });
    const leader = leaderOf(c);
    const term = c.status(leader).term;
    const loner = c.ids.find((id) => id !== leader)!;
    c.disconnect(loner);
    c.runFor(3_000);
    expect(c.status(loner).term).toBe(term);
    expect(c.status(loner).role).toBe('pre-candidate');
    c.connect(loner);
    c.runFor(500);
    expect(c.status(leader).role).toBe('leader');
    expect(c.status(leader).term).toBe(term);
  });

  it('without pre-vote the same partition inflates the term and deposes the leader (the problem pre-vote solves)', () => {
    const c = new RaftTestCluster({ seed: 92, raft: { preVote: false, checkQuorum: false } });
    const leader = leaderOf(c);
    const term = c.status(leader).term;
    const loner = c.ids.find((id) => id !== leader)!;
    c.disconnect(loner);
    c.runFor(3_000);
    expect(c.status(loner).term).toBeGreaterThan(term + 5);
    c.connect(loner);
    c.runFor(1_000);
    expect(c.status(c.checkOneLeader()).term).toBeGreaterThan(term + 5);
  });

  it('check-quorum: a leader cut off from the majority steps down within an election timeout', () => {
    const c = new RaftTestCluster({ seed: 93 });
    const leader = leaderOf(c);
    c.partition([leader], c.ids.filter((id) => id !== leader));
    c.runFor(250);
    expect(c.status(leader).role).toBe('follower');
    expect(c.status(leader).leader).toBeNull();
  });

  it('without check-quorum the isolated leader keeps believing it leads', () => {
    const c = new RaftTestCluster({ seed: 94, raft: { checkQuorum: false } });
    const leader = leaderOf(c);
    c.partition([leader], c.ids.filter((id) => id !== leader));
    c.runFor(1_000);
    expect(c.status(leader).role).toBe('leader');
  });
});
