import { describe, expect, it } from 'vitest';
import { COMMAND_CODEC_VERSION, encodeCommand } from './codec.js';
import { deleteCommand, getCommand, grantLeaseCommand, putCommand, rangeCommand, revokeLeaseCommand } from './commands.js';
import { LIMITS } from './limits.js';
import { ServiceStateMachine } from './state-machine.js';
import { Harness, bytes, errorOf, serviceView, utf8, value } from './__fixtures__/harness.js';

describe('KV: put, get, delete (etcd revision semantics)', () => {
  it('tracks createRevision, modRevision and version per key and one cluster revision', () => {
    const h = new Harness();
    expect(value(h.run(putCommand({ key: 'a', value: utf8('1') })))).toEqual({ revision: 1, createRevision: 1, version: 1 });
    expect(value(h.run(putCommand({ key: 'b', value: utf8('x') })))).toEqual({ revision: 2, createRevision: 2, version: 1 });
    expect(value(h.run(putCommand({ key: 'a', value: utf8('2') })))).toEqual({ revision: 3, createRevision: 1, version: 2 });
    const got = value(h.run(getCommand({ key: 'a' })));
    expect(got.revision).toBe(3);
    expect(got.kv).toMatchObject({ key: 'a', createRevision: 1, modRevision: 3, version: 2, leaseId: 0 });
    expect(Array.from(got.kv!.value)).toEqual(Array.from(utf8('2')));
    expect(h.sm.revision).toBe(3);
  });

  it('delete removes the key and advances the revision; a re-created key starts over', () => {
    const h = new Harness();
    h.run(putCommand({ key: 'a', value: utf8('1') }));
    h.run(putCommand({ key: 'a', value: utf8('2') }));
    expect(value(h.run(deleteCommand({ key: 'a' })))).toEqual({ revision: 3, deleted: true });
    expect(value(h.run(getCommand({ key: 'a' })))).toEqual({ revision: 3, kv: null });
    expect(value(h.run(putCommand({ key: 'a', value: utf8('3') })))).toEqual({ revision: 4, createRevision: 4, version: 1 });
  });

  it('deleting a missing key changes nothing, not even the revision', () => {
    const h = new Harness();
    h.run(putCommand({ key: 'a', value: utf8('1') }));
    expect(value(h.run(deleteCommand({ key: 'zz' })))).toEqual({ revision: 1, deleted: false });
    expect(h.sm.revision).toBe(1);
  });

  it('compare-and-set: ifRevision must equal modRevision, 0 means absent', () => {
    const h = new Harness();
    expect(value(h.run(putCommand({ key: 'a', value: utf8('1'), ifRevision: 0 }))).revision).toBe(1);
    const e = errorOf(h.run(putCommand({ key: 'a', value: utf8('x'), ifRevision: 0 })), 'revision_mismatch');
    expect(e.details).toEqual({ key: 'a', expectedRevision: 0, actualRevision: 1 });
    errorOf(h.run(putCommand({ key: 'a', value: utf8('x'), ifRevision: 7 })), 'revision_mismatch');
    expect(h.sm.revision).toBe(1); // refused commands do not advance it
    expect(value(h.run(putCommand({ key: 'a', value: utf8('2'), ifRevision: 1 }))).revision).toBe(2);
    errorOf(h.run(deleteCommand({ key: 'a', ifRevision: 1 })), 'revision_mismatch');
    expect(value(h.run(deleteCommand({ key: 'a', ifRevision: 2 }))).deleted).toBe(true);
    errorOf(h.run(putCommand({ key: 'a', value: utf8('x'), ifRevision: 2 })), 'revision_mismatch');
  });

  it('attaches keys to a lease; revoking it deletes them at one revision', () => {
    const h = new Harness();
    const { leaseId } = value(h.run(grantLeaseCommand({ ttlMs: 1000 })));
    h.run(putCommand({ key: 'a', value: utf8('1'), leaseId }));
    h.run(putCommand({ key: 'b', value: utf8('1'), leaseId }));
    h.run(putCommand({ key: 'c', value: utf8('1') }));
    expect(h.sm.get('a').kv?.leaseId).toBe(leaseId);
    expect(h.sm.lease(leaseId)?.keys).toBe(2);
    const end = value(h.run(revokeLeaseCommand({ leaseId })));
    expect(end).toEqual({ leaseId, revision: 4, deletedKeys: 2, releasedLocks: 0, releasedWorkerIds: 0 });
    expect(h.sm.get('a').kv).toBeNull();
    expect(h.sm.get('b').kv).toBeNull();
    expect(h.sm.get('c').kv).not.toBeNull();
  });

  it('a put without leaseId detaches the key from its old lease (etcd semantics)', () => {
    const h = new Harness();
    const { leaseId } = value(h.run(grantLeaseCommand({ ttlMs: 1000 })));
    h.run(putCommand({ key: 'a', value: utf8('1'), leaseId }));
    h.run(putCommand({ key: 'a', value: utf8('2') }));
    expect(h.sm.lease(leaseId)?.keys).toBe(0);
    h.run(revokeLeaseCommand({ leaseId }));
    expect(h.sm.get('a').kv?.version).toBe(2);
  });

  it('refuses a put on a missing lease', () => {
    const h = new Harness();
    const e = errorOf(h.run(putCommand({ key: 'a', value: utf8('1'), leaseId: 42 })), 'lease_not_found');
    expect(e.details).toEqual({ leaseId: 42 });
    expect(h.sm.get('a').kv).toBeNull();
  });

  it('range returns prefix matches in order, bounded by limit, with more', () => {
    const h = new Harness();
    for (const k of ['b/2', 'a/1', 'b/1', 'b/10', 'c']) h.run(putCommand({ key: k, value: utf8(k) }));
    const r = value(h.run(rangeCommand({ prefix: 'b/', limit: 2 })));
    expect(r.kvs.map((kv) => kv.key)).toEqual(['b/1', 'b/10']);
    expect(r.more).toBe(true);
    const all = h.sm.range('b/');
    expect(all.kvs.map((kv) => kv.key)).toEqual(['b/1', 'b/10', 'b/2']);
    expect(all.more).toBe(false);
    expect(h.sm.range('').kvs).toHaveLength(5);
    expect(() => h.sm.range('', 0)).toThrow(/limit/);
  });

  it('range stops at rangeResultBytesMax but always returns at least one pair', () => {
    const h = new Harness();
    const big = new Uint8Array(LIMITS.valueBytesMax);
    const n = Math.ceil(LIMITS.rangeResultBytesMax / LIMITS.valueBytesMax) + 2;
    for (let i = 0; i < n; i++) h.run(putCommand({ key: `k${String(i).padStart(3, '0')}`, value: big }));
    const r = h.sm.range('k', LIMITS.rangeLimitMax);
    expect(r.more).toBe(true);
    expect(r.kvs.length).toBeGreaterThan(0);
    expect(r.kvs.length).toBeLessThan(n);
  });

  it('local reads hand out copies: editing one does not change the store', () => {
    const h = new Harness();
    h.run(putCommand({ key: 'a', value: bytes(1, 2, 3) }));
    const v = h.sm.get('a').kv!.value;
    v[0] = 99;
    expect(Array.from(h.sm.get('a').kv!.value)).toEqual([1, 2, 3]);
  });

  it('a bad entry applies as invalid_command naming the field, changes nothing, and the node carries on', () => {
    const h = new Harness();
    h.run(putCommand({ key: 'a', value: utf8('1') }));
    const before = serviceView(h.sm);
    const r = h.raw(new Uint8Array([COMMAND_CODEC_VERSION, 0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0x01])); // {type: 1}
    expect(errorOf(r, 'invalid_command').details).toEqual({ field: 'type' });
    errorOf(h.raw(new Uint8Array([0xff])), 'invalid_command');
    errorOf(h.raw(new Uint8Array()), 'invalid_command');
    expect(h.sm.appliedIndex).toBe(4);
    expect(serviceView(h.sm)).toEqual(before);
    expect(value(h.run(putCommand({ key: 'b', value: utf8('2') }))).revision).toBe(2);
  });

  it('throws on entries out of index or term order (a host bug, not bad data)', () => {
    const sm = new ServiceStateMachine();
    const data = encodeCommand(getCommand({ key: 'a' }));
    sm.apply({ index: 5, term: 2, data });
    expect(() => sm.apply({ index: 5, term: 2, data })).toThrow(/invariant broken: entry index 5/);
    expect(() => sm.apply({ index: 6, term: 1, data })).toThrow(/invariant broken: entry term 1/);
    expect(sm.apply({ index: 9, term: 2, data }).ok).toBe(true); // gaps (Raft's own entries) are fine
  });
});
