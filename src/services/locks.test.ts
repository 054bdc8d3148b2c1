import { describe, expect, it } from 'vitest';
import {
  acquireLockCommand,
  deleteCommand,
  expireLeaseCommand,
  grantLeaseCommand,
  putCommand,
  releaseLockCommand,
  revokeLeaseCommand,
} from './commands.js';
import { Harness, errorOf, utf8, value } from './__fixtures__/harness.js';

function setup(): { h: Harness; a: number; b: number } {
  const h = new Harness();
  const a = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
  const b = value(h.run(grantLeaseCommand({ ttlMs: 500 }))).leaseId;
  return { h, a, b };
}

describe('locks with fencing tokens', () => {
  it('grants a token equal to the revision at which the lock was granted', () => {
    const { h, a } = setup();
    h.run(putCommand({ key: 'x', value: utf8('1') })); // revision 1
    expect(value(h.run(acquireLockCommand({ lock: 'L', leaseId: a })))).toEqual({ lock: 'L', token: 2, leaseId: a });
    expect(h.sm.revision).toBe(2);
    expect(h.sm.lock('L')).toEqual({ lock: 'L', leaseId: a, token: 2 });
  });

  it('refuses an acquire while held (lock_held names the holder), even by the same lease', () => {
    const { h, a, b } = setup();
    const { token } = value(h.run(acquireLockCommand({ lock: 'L', leaseId: a })));
    expect(errorOf(h.run(acquireLockCommand({ lock: 'L', leaseId: b })), 'lock_held').details).toEqual({
      lock: 'L',
      holderLeaseId: a,
      token,
    });
    errorOf(h.run(acquireLockCommand({ lock: 'L', leaseId: a })), 'lock_held');
    expect(h.sm.revision).toBe(1);
  });

  it('refuses an acquire for a missing lease', () => {
    const { h } = setup();
    errorOf(h.run(acquireLockCommand({ lock: 'L', leaseId: 77 })), 'lease_not_found');
    expect(h.sm.lock('L')).toBeUndefined();
  });

  it('release needs the current token; then the next holder gets a larger token', () => {
    const { h, a, b } = setup();
    const t1 = value(h.run(acquireLockCommand({ lock: 'L', leaseId: a }))).token;
    expect(errorOf(h.run(releaseLockCommand({ lock: 'L', token: t1 + 1 })), 'not_holder').details).toMatchObject({ currentToken: t1 });
    expect(value(h.run(releaseLockCommand({ lock: 'L', token: t1 })))).toEqual({ lock: 'L', revision: t1 });
    errorOf(h.run(releaseLockCommand({ lock: 'L', token: t1 })), 'not_holder');
    const t2 = value(h.run(acquireLockCommand({ lock: 'L', leaseId: b }))).token;
    expect(t2).toBeGreaterThan(t1);
    expect(h.sm.lease(a)?.locks).toBe(0);
  });

  it('a lock belongs to its lease: revocation and expiry release it', () => {
    const { h, a, b } = setup();
    h.run(acquireLockCommand({ lock: 'L', leaseId: a }));
    h.run(acquireLockCommand({ lock: 'M', leaseId: b }));
    h.run(revokeLeaseCommand({ leaseId: a }));
    expect(h.sm.lock('L')).toBeUndefined();
    h.run(expireLeaseCommand({ leaseId: b, refreshIndex: h.sm.lease(b)!.refreshIndex }));
    expect(h.sm.locks()).toEqual([]);
  });

  describe('the fencing rule: a fenced write applies only while its token is the current holder token', () => {
    it('accepts the current holder token for put and delete', () => {
      const { h, a } = setup();
      const { token } = value(h.run(acquireLockCommand({ lock: 'L', leaseId: a })));
      expect(h.run(putCommand({ key: 'k', value: utf8('v'), fence: { lock: 'L', token } })).ok).toBe(true);
      expect(value(h.run(deleteCommand({ key: 'k', fence: { lock: 'L', token } }))).deleted).toBe(true);
    });

    it('rejects an older token once a newer one is issued', () => {
      const { h, a, b } = setup();
      const old = value(h.run(acquireLockCommand({ lock: 'L', leaseId: a }))).token;
      h.run(revokeLeaseCommand({ leaseId: a }));
      const cur = value(h.run(acquireLockCommand({ lock: 'L', leaseId: b }))).token;
      const e = errorOf(h.run(putCommand({ key: 'k', value: utf8('v'), fence: { lock: 'L', token: old } })), 'fenced');
      expect(e.details).toEqual({ lock: 'L', token: old, currentToken: cur });
      expect(e.message).toMatch(/newer token/);
      errorOf(h.run(deleteCommand({ key: 'k', fence: { lock: 'L', token: old } })), 'fenced');
      expect(h.sm.get('k').kv).toBeNull();
    });

    it('rejects a token whose hold ended, even with no newer holder', () => {
      const { h, a } = setup();
      const { token } = value(h.run(acquireLockCommand({ lock: 'L', leaseId: a })));
      h.run(releaseLockCommand({ lock: 'L', token }));
      expect(errorOf(h.run(putCommand({ key: 'k', value: utf8('v'), fence: { lock: 'L', token } })), 'fenced').details).toMatchObject({
        currentToken: null,
      });
    });

    it('rejects a token never issued (a future one) and fences before checking revisions', () => {
      const { h, a } = setup();
      const { token } = value(h.run(acquireLockCommand({ lock: 'L', leaseId: a })));
      errorOf(h.run(putCommand({ key: 'k', value: utf8('v'), fence: { lock: 'L', token: token + 5 } })), 'fenced');
      errorOf(h.run(putCommand({ key: 'k', value: utf8('v'), ifRevision: 99, fence: { lock: 'L', token: token + 1 } })), 'fenced');
      errorOf(h.run(putCommand({ key: 'k', value: utf8('v'), fence: { lock: 'other', token } })), 'fenced');
    });
  });
});
