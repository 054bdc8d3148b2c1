import { describe, expect, it } from 'vitest';
import {
  acquireLockCommand,
  acquireWorkerIdCommand,
  checkpointCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  putCommand,
  registerSessionCommand,
  withSession,
} from './commands.js';
import { isSnapshotCorruptError } from './errors.js';
import { ServiceStateMachine } from './state-machine.js';
import { Harness, TEST_CONFIG, serviceView, utf8, value } from './__fixtures__/harness.js';

function populated(): Harness {
  const h = new Harness();
  const lease = value(h.run(grantLeaseCommand({ ttlMs: 700 }))).leaseId;
  h.run(putCommand({ key: 'b', value: utf8('2'), leaseId: lease }));
  h.run(putCommand({ key: 'a', value: utf8('1') }));
  h.run(acquireLockCommand({ lock: 'L', leaseId: lease }));
  h.run(acquireWorkerIdCommand({ leaseId: lease }));
  const { clientId } = value(h.run(registerSessionCommand()));
  h.run(withSession(putCommand({ key: 'c', value: utf8('3') }), { clientId, seq: 1, ackedSeq: 0 }));
  h.run(checkpointCommand({ tick: true, leases: [{ leaseId: lease, refreshIndex: 1, remainingMs: 650 }] }));
  return h;
}

function expectCorrupt(f: () => void, reason: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isSnapshotCorruptError(e)).toBe(true);
    expect((e as Error).message).toMatch(reason);
    return;
  }
  throw new Error('expected SnapshotCorruptError');
}

describe('snapshot and restore', () => {
  it('restores every table, the counters and stored session results', () => {
    const h = populated();
    const copy = new ServiceStateMachine(TEST_CONFIG);
    copy.restore(h.sm.snapshot());
    expect(serviceView(copy)).toEqual(serviceView(h.sm));
    expect(copy.stats()).toEqual(h.sm.stats());
    expect(copy.leases()).toEqual(h.sm.leases());
    expect(copy.session(6)).toEqual(h.sm.session(6));
    expect(copy.appliedTerm).toBe(h.sm.appliedTerm);
    expect(Buffer.from(copy.snapshot()).equals(Buffer.from(h.sm.snapshot()))).toBe(true);
  });

  it('hands a retry the stored result after a restore', () => {
    const h = populated();
    const original = h.log.find((e) => e.index === 7)!; // the session put (revision 4)
    const copy = new ServiceStateMachine(TEST_CONFIG);
    copy.restore(h.sm.snapshot());
    const retry = { index: h.index + 1, term: 1, data: original.data };
    const theirs = copy.apply(retry);
    expect(theirs).toEqual({ ok: true, value: { revision: 4, createRevision: 4, version: 1 } });
    expect(h.sm.apply(retry)).toEqual(theirs);
    expect(copy.get('c').kv?.version).toBe(1);
    expect(copy.revision).toBe(4);
  });

  it('rejects a flipped bit, a truncation, bad magic and another version; the state stays', () => {
    const h = populated();
    const good = h.sm.snapshot();
    const target = new ServiceStateMachine(TEST_CONFIG);
    target.restore(good);
    const before = serviceView(target);
    const flipped = good.slice();
    flipped[flipped.length - 3] ^= 0x10;
    expectCorrupt(() => target.restore(flipped), /checksum/);
    expectCorrupt(() => target.restore(good.subarray(0, good.length - 1)), /length/);
    expectCorrupt(() => target.restore(good.subarray(0, 5)), /header/);
    const magic = good.slice();
    magic[0] = 0;
    expectCorrupt(() => target.restore(magic), /magic/);
    const version = good.slice();
    version[4] = 9;
    expectCorrupt(() => target.restore(version), /version 9/);
    expect(serviceView(target)).toEqual(before);
  });

  it('refuses a snapshot taken under a different config', () => {
    const h = populated();
    const other = new ServiceStateMachine({ ...TEST_CONFIG, workerIdCount: 8 });
    expectCorrupt(() => other.restore(h.sm.snapshot()), /different config/);
  });

  it('continuing after restore equals continuing without it', () => {
    const h = populated();
    const copy = new ServiceStateMachine(TEST_CONFIG);
    copy.restore(h.sm.snapshot());
    const more = [keepAliveLeaseCommand({ leaseId: 1 }), putCommand({ key: 'z', value: utf8('9') }), acquireLockCommand({ lock: 'M', leaseId: 1 })];
    for (const c of more) {
      const r = h.run(c);
      const entry = h.log.at(-1)!;
      expect(copy.apply(entry)).toEqual(r);
    }
    expect(Buffer.from(copy.snapshot()).equals(Buffer.from(h.sm.snapshot()))).toBe(true);
  });
});
