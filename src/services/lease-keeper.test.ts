import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { grantLeaseCommand, keepAliveLeaseCommand, putCommand, revokeLeaseCommand } from './commands.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LIMITS } from './limits.js';
import { Harness, utf8, value } from './__fixtures__/harness.js';
import type { CheckpointCommand, ExpireLeaseCommand } from './commands.js';
import type { LeaseKeeperProposal } from './lease-keeper.js';

const I = 100; // TEST_CONFIG checkpointIntervalMs

/** One replicated log and whichever keeper currently leads; proposals commit and apply at once. */
class Leader {
  readonly h = new Harness();
  keeper = new LeaseKeeper({ checkpointIntervalMs: I });
  nowMs = 0;

  constructor() {
    this.h.sm.onLeaseEvent((e) => this.keeper.observe(e, this.nowMs));
    this.keeper.becameLeader(0, []);
  }

  tick(nowMs: number, confirmedAtMs: number | null = nowMs): LeaseKeeperProposal[] {
    this.nowMs = nowMs;
    const proposals = this.keeper.tick(nowMs, { leadershipConfirmedAtMs: confirmedAtMs });
    for (const p of proposals) this.h.run(p);
    return proposals;
  }

  grant(nowMs: number, ttlMs: number): number {
    this.nowMs = nowMs;
    return value(this.h.run(grantLeaseCommand({ ttlMs }))).leaseId;
  }
}

const expiries = (ps: LeaseKeeperProposal[]): ExpireLeaseCommand[] => ps.filter((p): p is ExpireLeaseCommand => p.type === 'expire-lease');
const checkpoints = (ps: LeaseKeeperProposal[]): CheckpointCommand[] => ps.filter((p): p is CheckpointCommand => p.type === 'checkpoint');

describe('LeaseKeeper (leader-side lease clock)', () => {
  it('does nothing on a follower', () => {
    const k = new LeaseKeeper({ checkpointIntervalMs: I });
    k.observe({ type: 'granted', leaseId: 1, ttlMs: 500, refreshIndex: 1 }, 0);
    expect(k.tick(10_000, { leadershipConfirmedAtMs: 10_000 })).toEqual([]);
    expect(k.deadlineMs(1)).toBeUndefined();
    expect(k.nextWakeupMs()).toBeUndefined();
    expect(k.isLeader).toBe(false);
  });

  it('sets deadlines from apply time + TTL, and a keep-alive pushes the deadline out', () => {
    const c = new Leader();
    const id = c.grant(10, 500);
    expect(c.keeper.deadlineMs(id)).toBe(510);
    c.nowMs = 300;
    c.h.run(keepAliveLeaseCommand({ leaseId: id }));
    expect(c.keeper.deadlineMs(id)).toBe(800);
    c.nowMs = 400;
    c.h.run(revokeLeaseCommand({ leaseId: id }));
    expect(c.keeper.deadlineMs(id)).toBeUndefined();
  });

  it('expires only after the deadline AND a leadership confirmation taken at or after it', () => {
    const c = new Leader();
    const id = c.grant(0, 500);
    c.h.run(putCommand({ key: 'k', value: utf8('v'), leaseId: id }));
    expect(expiries(c.tick(499))).toEqual([]);
    expect(expiries(c.tick(600, 499))).toEqual([]); // deadline passed, but the last confirmation predates it
    expect(c.h.sm.get('k').kv).not.toBeNull();
    expect(expiries(c.tick(601, 500))).toEqual([{ type: 'expire-lease', leaseId: id, refreshIndex: 1 }]);
    expect(c.h.sm.lease(id)).toBeUndefined();
    expect(c.h.sm.get('k').kv).toBeNull();
  });

  it('a leader that stalled past every deadline expires nothing until it confirms leadership again (etcd #15247)', () => {
    const c = new Leader();
    const ids = [c.grant(0, 300), c.grant(0, 400), c.grant(0, 500)];
    c.tick(100);
    // a 60 s stop-the-world pause: the host's last confirmation is from before it
    const woke = c.tick(60_100, 100);
    expect(expiries(woke)).toEqual([]);
    for (const id of ids) expect(c.h.sm.lease(id)).toBeDefined();
    // a heartbeat sent at 60_110 is acknowledged by a quorum: now it may expire them
    expect(expiries(c.tick(60_150, 60_110)).map((e) => e.leaseId)).toEqual(ids);
  });

  it('ignores a confirmation from before it became leader, and refuses one from the future', () => {
    const k = new LeaseKeeper({ checkpointIntervalMs: I });
    k.becameLeader(1000, [{ leaseId: 1, ttlMs: 500, remainingMs: 10, refreshIndex: 3 }]);
    expect(expiries(k.tick(2000, { leadershipConfirmedAtMs: 999 }))).toEqual([]);
    expect(() => k.tick(2001, { leadershipConfirmedAtMs: 2002 })).toThrow(/must be a time ≤ nowMs/);
    expect(expiries(k.tick(2002, { leadershipConfirmedAtMs: 1010 }))).toEqual([{ type: 'expire-lease', leaseId: 1, refreshIndex: 3 }]);
  });

  it('refuses time going backwards', () => {
    const k = new LeaseKeeper({ checkpointIntervalMs: I });
    k.becameLeader(1000, []);
    expect(() => k.tick(999, { leadershipConfirmedAtMs: null })).toThrow(/monotonic clock went back/);
  });

  it('re-proposes an expiry that did not apply only after expiryRetryMs', () => {
    const k = new LeaseKeeper({ checkpointIntervalMs: I, expiryRetryMs: 250 });
    k.becameLeader(0, [{ leaseId: 1, ttlMs: 500, remainingMs: 50, refreshIndex: 3 }]);
    expect(expiries(k.tick(60, { leadershipConfirmedAtMs: 55 }))).toHaveLength(1);
    expect(expiries(k.tick(200, { leadershipConfirmedAtMs: 200 }))).toHaveLength(0);
    expect(expiries(k.tick(310, { leadershipConfirmedAtMs: 300 }))).toHaveLength(1);
  });

  it('bounds expiries per tick, oldest deadline first', () => {
    const k = new LeaseKeeper({ checkpointIntervalMs: I, expiriesPerTickMax: 2 });
    k.becameLeader(0, [
      { leaseId: 1, ttlMs: 500, remainingMs: 30, refreshIndex: 1 },
      { leaseId: 2, ttlMs: 500, remainingMs: 10, refreshIndex: 2 },
      { leaseId: 3, ttlMs: 500, remainingMs: 20, refreshIndex: 3 },
    ]);
    expect(expiries(k.tick(40, { leadershipConfirmedAtMs: 40 })).map((e) => e.leaseId)).toEqual([2, 3]);
    expect(expiries(k.tick(41, { leadershipConfirmedAtMs: 41 })).map((e) => e.leaseId)).toEqual([1]);
  });

  it('resumes from the recorded remaining TTL on a new leader, not the full TTL (etcd #9395)', () => {
    const c = new Leader();
    const id = c.grant(0, 1000);
    for (let t = 50; t <= 600; t += 50) c.tick(t);
    const recorded = c.h.sm.lease(id)!.remainingMs;
    expect(recorded).toBeLessThanOrEqual(1000 - 500); // checkpointed within the last interval
    expect(recorded).toBeGreaterThanOrEqual(1000 - 600);
    const next = new LeaseKeeper({ checkpointIntervalMs: I });
    next.becameLeader(50_000, c.h.sm.leases()); // another node, another clock origin
    expect(next.deadlineMs(id)).toBe(50_000 + recorded);
  });

  it('ticks the session clock once per interval and records only stale leases', () => {
    const c = new Leader();
    expect(checkpoints(c.tick(99))).toEqual([]);
    expect(checkpoints(c.tick(100))).toEqual([{ type: 'checkpoint', tick: true, leases: [] }]);
    const a = c.grant(120, 1000);
    const b = c.grant(170, 1000);
    expect(checkpoints(c.tick(200))).toEqual([{ type: 'checkpoint', tick: true, leases: [] }]); // both recorded < I ago
    // at 220 lease a is I old: record it, and b too (older than I/2), in one command
    expect(checkpoints(c.tick(220))).toEqual([
      {
        type: 'checkpoint',
        tick: false,
        leases: [
          { leaseId: a, refreshIndex: 2, remainingMs: 900 },
          { leaseId: b, refreshIndex: 3, remainingMs: 950 },
        ],
      },
    ]);
    expect(c.h.sm.lease(b)?.remainingMs).toBe(950);
    expect(c.h.sm.stats().clockTicks).toBe(2);
  });

  it('splits a big checkpoint into commands of at most checkpointLeasesMax, ticking once', () => {
    const k = new LeaseKeeper({ checkpointIntervalMs: I });
    const n = LIMITS.checkpointLeasesMax + 5;
    k.becameLeader(
      0,
      Array.from({ length: n }, (_, i) => ({ leaseId: i + 1, ttlMs: 5000, remainingMs: 5000, refreshIndex: i + 1 })),
    );
    const cps = checkpoints(k.tick(I, { leadershipConfirmedAtMs: I }));
    expect(cps.map((c) => [c.tick, c.leases.length])).toEqual([
      [true, LIMITS.checkpointLeasesMax],
      [false, 5],
    ]);
  });

  it('tells the host when to wake next', () => {
    const k = new LeaseKeeper({ checkpointIntervalMs: I });
    k.becameLeader(0, [{ leaseId: 1, ttlMs: 500, remainingMs: 40, refreshIndex: 1 }]);
    expect(k.nextWakeupMs()).toBe(40);
    k.tick(40, { leadershipConfirmedAtMs: 40 }); // proposes the expiry
    expect(k.nextWakeupMs()).toBe(100); // the next checkpoint (the expiry retry is later)
    k.steppedDown();
    expect(k.nextWakeupMs()).toBeUndefined();
  });

  it('validates its options', () => {
    expect(() => new LeaseKeeper({ checkpointIntervalMs: 0 })).toThrow(/LeaseKeeper: checkpointIntervalMs/);
    expect(() => new LeaseKeeper({ checkpointIntervalMs: 10, expiryRetryMs: -1 })).toThrow(/expiryRetryMs/);
  });
});

describe('LeaseKeeper properties', () => {
  it('never proposes an expiry unless deadline ≤ a leadership confirmation ≤ now', () => {
    const step = fc.record({
      advanceMs: fc.integer({ min: 0, max: 400 }),
      confirmLagMs: fc.option(fc.integer({ min: 0, max: 800 }), { nil: null }),
      action: fc.constantFrom('grant', 'keepalive', 'revoke', 'none'),
      ttlMs: fc.integer({ min: 200, max: 1500 }),
      pick: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const c = new Leader();
        let now = 0;
        for (const s of steps) {
          now += s.advanceMs;
          c.nowMs = now;
          const live = c.h.sm.leases();
          if (s.action === 'grant') c.grant(now, s.ttlMs);
          else if (live.length > 0 && s.action !== 'none') {
            const leaseId = live[s.pick % live.length].leaseId;
            c.h.run(s.action === 'keepalive' ? keepAliveLeaseCommand({ leaseId }) : revokeLeaseCommand({ leaseId }));
          }
          const confirmed = s.confirmLagMs === null ? null : Math.max(0, now - s.confirmLagMs);
          const deadlines = new Map(c.h.sm.leases().map((l) => [l.leaseId, c.keeper.deadlineMs(l.leaseId)!]));
          for (const e of expiries(c.tick(now, confirmed))) {
            const deadline = deadlines.get(e.leaseId)!;
            expect(confirmed).not.toBeNull();
            expect(deadline).toBeLessThanOrEqual(confirmed!);
            expect(deadline).toBeLessThanOrEqual(now);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a leader change lengthens a lease by at most checkpointIntervalMs + tick period + leaderless gap, never shortens it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }), // tick period T
        fc.array(fc.record({ atTick: fc.nat({ max: 60 }), ttlMs: fc.integer({ min: 200, max: 3000 }), keepAliveTick: fc.nat({ max: 60 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 80 }), // ticks until the leader dies
        fc.integer({ min: 0, max: 2000 }), // leaderless gap
        fc.integer({ min: -1_000_000, max: 1_000_000 }), // the new leader's clock origin
        (tickMs, grants, deathTick, gapMs, originMs) => {
          const c = new Leader();
          const ids = new Map<number, number>();
          let t = 0;
          for (let n = 1; n <= deathTick; n++) {
            t = n * tickMs;
            c.nowMs = t;
            grants.forEach((g, i) => {
              if (g.atTick === n) ids.set(i, c.grant(t, g.ttlMs));
              const id = ids.get(i);
              if (id !== undefined && g.keepAliveTick === n && c.h.sm.lease(id)) c.h.run(keepAliveLeaseCommand({ leaseId: id }));
            });
            c.tick(t, t);
          }
          const oldDeadlines = new Map(c.h.sm.leases().map((l) => [l.leaseId, c.keeper.deadlineMs(l.leaseId)!]));
          const becameAt = t + gapMs; // in the old leader's time frame
          const next = new LeaseKeeper({ checkpointIntervalMs: I });
          next.becameLeader(becameAt + originMs, c.h.sm.leases());
          for (const [id, oldDeadline] of oldDeadlines) {
            const newDeadline = next.deadlineMs(id)! - originMs;
            const extensionMs = newDeadline - oldDeadline;
            expect(extensionMs).toBeGreaterThanOrEqual(0);
            expect(extensionMs).toBeLessThanOrEqual(I + tickMs + gapMs);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
