import { describe, expect, it } from 'vitest';
import {
  acquireLockCommand,
  acquireWorkerIdCommand,
  checkpointCommand,
  expireLeaseCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  putCommand,
  revokeLeaseCommand,
} from './commands.js';
import { Harness, errorOf, utf8, value } from './__fixtures__/harness.js';

describe('leases in the state machine', () => {
  it('grants with sequential ids, records ttl and refresh index, and emits granted', () => {
    const h = new Harness();
    expect(value(h.run(grantLeaseCommand({ ttlMs: 500 })))).toEqual({ leaseId: 1, ttlMs: 500 });
    expect(value(h.run(grantLeaseCommand({ ttlMs: 300 })))).toEqual({ leaseId: 2, ttlMs: 300 });
    expect(h.sm.leases()).toEqual([
      { leaseId: 1, ttlMs: 500, remainingMs: 500, refreshIndex: 1 },
      { leaseId: 2, ttlMs: 300, remainingMs: 300, refreshIndex: 2 },
    ]);
    expect(h.events).toEqual([
      { type: 'granted', leaseId: 1, ttlMs: 500, refreshIndex: 1 },
      { type: 'granted', leaseId: 2, ttlMs: 300, refreshIndex: 2 },
    ]);
    expect(h.sm.revision).toBe(0); // leases are not part of the keyspace
  });

  it('refuses a TTL outside [minLeaseTtlMs, maxLeaseTtlMs]', () => {
    const h = new Harness({ electionTimeoutMs: 100, maxLeaseTtlMs: 10_000 });
    const e = errorOf(h.run(grantLeaseCommand({ ttlMs: 199 })), 'ttl_out_of_range');
    expect(e.details).toMatchObject({ ttlMs: 199, minLeaseTtlMs: 200, maxLeaseTtlMs: 10_000 });
    errorOf(h.run(grantLeaseCommand({ ttlMs: 10_001 })), 'ttl_out_of_range');
    expect(value(h.run(grantLeaseCommand({ ttlMs: 200 }))).leaseId).toBe(1);
    expect(h.events).toHaveLength(1);
  });

  it('keep-alive resets the recorded remaining TTL and refresh index through the log', () => {
    const h = new Harness();
    const { leaseId } = value(h.run(grantLeaseCommand({ ttlMs: 500 })));
    h.run(checkpointCommand({ tick: false, leases: [{ leaseId, refreshIndex: 1, remainingMs: 120 }] }));
    expect(h.sm.lease(leaseId)?.remainingMs).toBe(120);
    expect(value(h.run(keepAliveLeaseCommand({ leaseId })))).toEqual({ leaseId, ttlMs: 500 });
    expect(h.sm.lease(leaseId)).toMatchObject({ remainingMs: 500, refreshIndex: 3 });
    expect(h.events.at(-1)).toEqual({ type: 'refreshed', leaseId, ttlMs: 500, refreshIndex: 3 });
    errorOf(h.run(keepAliveLeaseCommand({ leaseId: 99 })), 'lease_not_found');
  });

  it('a checkpoint only shortens, and only for the refresh it measured', () => {
    const h = new Harness();
    const { leaseId } = value(h.run(grantLeaseCommand({ ttlMs: 500 })));
    expect(value(h.run(checkpointCommand({ tick: false, leases: [{ leaseId, refreshIndex: 1, remainingMs: 300 }] })))).toEqual({
      recorded: 1,
      expiredSessions: 0,
    });
    h.run(checkpointCommand({ tick: false, leases: [{ leaseId, refreshIndex: 1, remainingMs: 400 }] }));
    expect(h.sm.lease(leaseId)?.remainingMs).toBe(300); // a late, longer checkpoint cannot lengthen
    h.run(keepAliveLeaseCommand({ leaseId })); // refreshIndex 4
    const stale = value(h.run(checkpointCommand({ tick: false, leases: [{ leaseId, refreshIndex: 1, remainingMs: 10 }] })));
    expect(stale.recorded).toBe(0);
    expect(h.sm.lease(leaseId)?.remainingMs).toBe(500);
  });

  it('revoke ends the lease with its keys, locks and worker ids, and emits ended', () => {
    const h = new Harness();
    const { leaseId } = value(h.run(grantLeaseCommand({ ttlMs: 500 })));
    h.run(putCommand({ key: 'k', value: utf8('v'), leaseId }));
    h.run(acquireLockCommand({ lock: 'L', leaseId }));
    h.run(acquireWorkerIdCommand({ leaseId }));
    const end = value(h.run(revokeLeaseCommand({ leaseId })));
    expect(end).toEqual({ leaseId, revision: 3, deletedKeys: 1, releasedLocks: 1, releasedWorkerIds: 1 });
    expect(h.sm.lease(leaseId)).toBeUndefined();
    expect(h.sm.lock('L')).toBeUndefined();
    expect(h.sm.workerIds()).toEqual([]);
    expect(h.events.at(-1)).toEqual({ type: 'ended', leaseId, reason: 'revoked' });
    errorOf(h.run(revokeLeaseCommand({ leaseId })), 'lease_not_found');
  });

  it('a revoke of a lease that owns nothing does not advance the revision', () => {
    const h = new Harness();
    const { leaseId } = value(h.run(grantLeaseCommand({ ttlMs: 500 })));
    expect(value(h.run(revokeLeaseCommand({ leaseId }))).revision).toBe(0);
  });

  it('expire-lease applies only if the lease was not refreshed since the keeper measured it', () => {
    const h = new Harness();
    const { leaseId } = value(h.run(grantLeaseCommand({ ttlMs: 500 }))); // refreshIndex 1
    h.run(putCommand({ key: 'k', value: utf8('v'), leaseId }));
    h.run(keepAliveLeaseCommand({ leaseId })); // refreshIndex 3
    const stale = value(h.run(expireLeaseCommand({ leaseId, refreshIndex: 1 })));
    expect(stale).toEqual({ leaseId, expired: false, revision: 1 });
    expect(h.sm.get('k').kv).not.toBeNull();
    const real = value(h.run(expireLeaseCommand({ leaseId, refreshIndex: 3 })));
    expect(real).toEqual({ leaseId, expired: true, revision: 2 });
    expect(h.sm.get('k').kv).toBeNull();
    expect(h.events.at(-1)).toEqual({ type: 'ended', leaseId, reason: 'expired' });
    // expiring a lease that is gone is a harmless no-op, not an error (the keeper may race a revoke)
    expect(value(h.run(expireLeaseCommand({ leaseId, refreshIndex: 3 })))).toEqual({ leaseId, expired: false, revision: 2 });
  });

  it('lease ids are never reused', () => {
    const h = new Harness();
    const a = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
    h.run(revokeLeaseCommand({ leaseId: a }));
    expect(value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId).toBe(a + 1);
  });
});
