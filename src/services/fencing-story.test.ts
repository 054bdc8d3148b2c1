/**
 * The paused lock holder (Designing Data-Intensive Applications, ch. 8, with
 * its numbers): client A gets the lock with token 33, stops in a long GC
 * pause, its lease expires, client B gets the lock with token 34 and writes;
 * A wakes up, still believing it holds the lock, and writes with token 33.
 * The storage service must reject A's write.
 */
import { describe, expect, it } from 'vitest';
import { ClientLeaseTimer } from './client-lease-timer.js';
import { encodeCommand } from './codec.js';
import { acquireLockCommand, grantLeaseCommand, putCommand } from './commands.js';
import { LeaseKeeper } from './lease-keeper.js';
import { ServiceStateMachine } from './state-machine.js';
import { Harness, errorOf, utf8, value } from './__fixtures__/harness.js';

describe('the paused lock holder (tokens 33 and 34)', () => {
  it('rejects the woken holder’s write with token 33 once token 34 was issued', () => {
    const h = new Harness({ electionTimeoutMs: 1000 }); // leases ≥ 2000 ms, checkpoints every 1000 ms
    const keeper = new LeaseKeeper({ checkpointIntervalMs: h.sm.config.checkpointIntervalMs });
    let nowMs = 0; // one real timeline; leader and clients read it through their own clocks (no drift here)
    h.sm.onLeaseEvent((e) => keeper.observe(e, nowMs));
    keeper.becameLeader(0, []);
    const leaderTick = (): void => {
      for (const p of keeper.tick(nowMs, { leadershipConfirmedAtMs: nowMs })) h.run(p);
    };

    // 32 earlier writes: the cluster revision is 32.
    for (let i = 1; i <= 32; i++) h.run(putCommand({ key: `history/${i}`, value: utf8('x') }));
    expect(h.sm.revision).toBe(32);

    // A sends a grant at 100; the leader applies it at 105.
    const timerA = new ClientLeaseTimer({ maxDriftPpm: 200, safetyMarginMs: 50 });
    nowMs = 105;
    const leaseA = value(h.run(grantLeaseCommand({ ttlMs: 10_000 }))).leaseId;
    timerA.confirmed(100, 10_000);
    const tokenA = value(h.run(acquireLockCommand({ lock: 'file', leaseId: leaseA }))).token;
    expect(tokenA).toBe(33);

    // Before it writes, A stops for 15 s at 1000 (stop-the-world GC). The leader keeps ticking.
    for (nowMs = 1000; nowMs <= 11_000; nowMs += 500) leaderTick();
    expect(h.sm.lease(leaseA)).toBeUndefined(); // expired through the log
    expect(h.sm.lock('file')).toBeUndefined();
    expect(keeper.deadlineMs(leaseA)).toBeUndefined();
    // A's own timer ran out before the server could expire the lease (deadline 10_105).
    expect(timerA.expiresAtMs!).toBeLessThan(10_105);

    // B gets the lock: token 34, and writes.
    nowMs = 11_200;
    const leaseB = value(h.run(grantLeaseCommand({ ttlMs: 10_000 }))).leaseId;
    const tokenB = value(h.run(acquireLockCommand({ lock: 'file', leaseId: leaseB }))).token;
    expect(tokenB).toBe(34);
    expect(h.run(putCommand({ key: 'file', value: utf8('B1'), fence: { lock: 'file', token: tokenB } })).ok).toBe(true);

    // A wakes at 16_000, does not check its timer, and writes with token 33.
    nowMs = 16_000;
    const unsafeCopy = new ServiceStateMachine(h.sm.config);
    unsafeCopy.restore(h.sm.snapshot());
    const late = errorOf(h.run(putCommand({ key: 'file', value: utf8('A2'), fence: { lock: 'file', token: 33 } })), 'fenced');
    expect(late.details).toEqual({ lock: 'file', token: 33, currentToken: 34 });
    expect(new TextDecoder().decode(h.sm.get('file').kv!.value)).toBe('B1');

    // Without the fence the same late write would have clobbered B's data: the reason tokens exist.
    const { index, term } = h.log.at(-1)!;
    const unfenced = encodeCommand(putCommand({ key: 'file', value: utf8('A2') }));
    expect(unsafeCopy.apply({ index, term, data: unfenced }).ok).toBe(true);
    expect(new TextDecoder().decode(unsafeCopy.get('file').kv!.value)).toBe('A2');
  });
});
