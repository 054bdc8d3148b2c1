import { describe, expect, it } from 'vitest';
import { acquireLockCommand, acquireWorkerIdCommand, grantLeaseCommand, putCommand, registerSessionCommand } from './commands.js';
import { resolveServiceConfig } from './config.js';
import { ServiceStateMachine } from './state-machine.js';
import { Harness, utf8, value } from './__fixtures__/harness.js';

describe('ServiceStateMachine surface', () => {
  it('reports stats and lease details for the API', () => {
    const h = new Harness();
    const leaseId = value(h.run(grantLeaseCommand({ ttlMs: 400 }))).leaseId;
    h.run(putCommand({ key: 'a', value: utf8('1'), leaseId }));
    h.run(acquireLockCommand({ lock: 'L', leaseId }));
    h.run(acquireWorkerIdCommand({ leaseId }));
    h.run(registerSessionCommand());
    expect(h.sm.lease(leaseId)).toEqual({ leaseId, ttlMs: 400, remainingMs: 400, refreshIndex: 1, keys: 1, locks: 1, workerIds: 1 });
    expect(h.sm.lease(999)).toBeUndefined();
    expect(h.sm.stats()).toEqual({ appliedIndex: 5, revision: 2, keys: 1, leases: 1, locks: 1, workerIds: 1, sessions: 1, clockTicks: 0 });
    expect(h.sm.locks()).toEqual([{ lock: 'L', leaseId, token: 2 }]);
  });

  it('stops delivering lease events to a disposed listener', () => {
    const h = new Harness();
    const seen: string[] = [];
    const sub = h.sm.onLeaseEvent((e) => seen.push(e.type));
    h.run(grantLeaseCommand({ ttlMs: 400 }));
    sub.dispose();
    h.run(grantLeaseCommand({ ttlMs: 400 }));
    expect(seen).toEqual(['granted']);
    expect(h.events).toHaveLength(2); // the harness listener is still there
  });

  it('accepts a resolved config or options, and exposes it', () => {
    const config = resolveServiceConfig({ electionTimeoutMs: 300 });
    expect(new ServiceStateMachine({ config }).config).toBe(config);
    expect(new ServiceStateMachine({ electionTimeoutMs: 300 }).config).toEqual(config);
    expect(() => new ServiceStateMachine({ electionTimeoutMs: -1 })).toThrow(/electionTimeoutMs/);
  });

  it('hands out results that cannot be edited (they are stored for retries)', () => {
    const h = new Harness();
    const r = h.run(putCommand({ key: 'a', value: utf8('1') }));
    expect(Object.isFrozen(r)).toBe(true);
    expect(r.ok && Object.isFrozen(r.value)).toBe(true);
  });
});
