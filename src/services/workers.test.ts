import { describe, expect, it } from 'vitest';
import {
  acquireWorkerIdCommand,
  expireLeaseCommand,
  grantLeaseCommand,
  releaseWorkerIdCommand,
  revokeLeaseCommand,
} from './commands.js';
import { Harness, errorOf, value } from './__fixtures__/harness.js';

describe('Snowflake worker ids (pool of 4 in tests)', () => {
  it('hands out the lowest free id, tied to a lease', () => {
    const h = new Harness();
    const a = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
    const b = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
    expect(value(h.run(acquireWorkerIdCommand({ leaseId: a })))).toEqual({ workerId: 0, leaseId: a });
    expect(value(h.run(acquireWorkerIdCommand({ leaseId: b })))).toEqual({ workerId: 1, leaseId: b });
    expect(h.sm.workerIds()).toEqual([
      { workerId: 0, leaseId: a },
      { workerId: 1, leaseId: b },
    ]);
    h.run(revokeLeaseCommand({ leaseId: a }));
    expect(value(h.run(acquireWorkerIdCommand({ leaseId: b }))).workerId).toBe(0); // 0 is free again
  });

  it('runs out with worker_ids_exhausted and frees ids when the holder lease expires', () => {
    const h = new Harness();
    const a = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
    for (let i = 0; i < 4; i++) expect(value(h.run(acquireWorkerIdCommand({ leaseId: a }))).workerId).toBe(i);
    expect(errorOf(h.run(acquireWorkerIdCommand({ leaseId: a })), 'worker_ids_exhausted').details).toEqual({ workerIdCount: 4 });
    const b = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
    errorOf(h.run(acquireWorkerIdCommand({ leaseId: b })), 'worker_ids_exhausted');
    expect(value(h.run(expireLeaseCommand({ leaseId: a, refreshIndex: 1 }))).expired).toBe(true);
    expect(value(h.run(acquireWorkerIdCommand({ leaseId: b }))).workerId).toBe(0);
  });

  it('release needs the holder lease', () => {
    const h = new Harness();
    const a = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
    const b = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
    const { workerId } = value(h.run(acquireWorkerIdCommand({ leaseId: a })));
    expect(errorOf(h.run(releaseWorkerIdCommand({ workerId, leaseId: b })), 'not_holder').details).toEqual({
      workerId,
      leaseId: b,
      holderLeaseId: a,
    });
    errorOf(h.run(releaseWorkerIdCommand({ workerId: 3, leaseId: a })), 'not_holder');
    expect(value(h.run(releaseWorkerIdCommand({ workerId, leaseId: a })))).toEqual({ workerId });
    expect(h.sm.lease(a)?.workerIds).toBe(0);
    expect(h.sm.workerIds()).toEqual([]);
  });

  it('refuses a missing lease', () => {
    const h = new Harness();
    errorOf(h.run(acquireWorkerIdCommand({ leaseId: 5 })), 'lease_not_found');
  });
});
