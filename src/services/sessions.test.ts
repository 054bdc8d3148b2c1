import { describe, expect, it } from 'vitest';
import {
  checkpointCommand,
  getCommand,
  grantLeaseCommand,
  putCommand,
  registerSessionCommand,
  withSession,
} from './commands.js';
import { LIMITS } from './limits.js';
import { Harness, errorOf, utf8, value } from './__fixtures__/harness.js';

const tick = checkpointCommand({ tick: true, leases: [] });

function registered(): { h: Harness; clientId: number } {
  const h = new Harness();
  const { clientId } = value(h.run(registerSessionCommand()));
  return { h, clientId };
}

describe('client sessions: exactly-once application', () => {
  it('issues the registering entry index as clientId', () => {
    const h = new Harness();
    h.run(getCommand({ key: 'x' }));
    expect(value(h.run(registerSessionCommand()))).toEqual({ clientId: 2 });
    expect(h.sm.session(2)).toEqual({ clientId: 2, ackedSeq: 0, lastActiveTick: 0, storedResults: 0 });
  });

  it('a retried command applies once and the retry gets the original result', () => {
    const { h, clientId } = registered();
    const put = withSession(putCommand({ key: 'k', value: utf8('v') }), { clientId, seq: 1, ackedSeq: 0 });
    const first = h.run(put);
    h.run(putCommand({ key: 'other', value: utf8('x') })); // the world moves on
    const retry = h.run(put);
    expect(retry).toBe(first);
    expect(h.sm.get('k').kv?.version).toBe(1);
    expect(h.sm.revision).toBe(2);
  });

  it('stores refusals too: a retried lock-less CAS reports the same conflict', () => {
    const { h, clientId } = registered();
    h.run(putCommand({ key: 'k', value: utf8('v') }));
    const cas = withSession(putCommand({ key: 'k', value: utf8('w'), ifRevision: 0 }), { clientId, seq: 1, ackedSeq: 0 });
    const first = h.run(cas);
    errorOf(first, 'revision_mismatch');
    h.run(putCommand({ key: 'unrelated', value: utf8('v') }));
    expect(h.run(cas)).toBe(first);
  });

  it('a retried grant returns the same lease instead of granting a second one', () => {
    const { h, clientId } = registered();
    const grant = withSession(grantLeaseCommand({ ttlMs: 500 }), { clientId, seq: 1, ackedSeq: 0 });
    const a = value(h.run(grant)).leaseId;
    expect(value(h.run(grant)).leaseId).toBe(a);
    expect(h.sm.leases()).toHaveLength(1);
  });

  it('drops results at or below ackedSeq and refuses those seqs as stale', () => {
    const { h, clientId } = registered();
    const s1 = withSession(putCommand({ key: 'k', value: utf8('1') }), { clientId, seq: 1, ackedSeq: 0 });
    h.run(s1);
    h.run(withSession(putCommand({ key: 'k', value: utf8('2') }), { clientId, seq: 2, ackedSeq: 0 }));
    expect(h.sm.session(clientId)?.storedResults).toBe(2);
    h.run(withSession(putCommand({ key: 'k', value: utf8('3') }), { clientId, seq: 3, ackedSeq: 2 }));
    expect(h.sm.session(clientId)).toMatchObject({ ackedSeq: 2, storedResults: 1 });
    const e = errorOf(h.run(s1), 'session_seq_stale');
    expect(e.details).toEqual({ clientId, seq: 1, ackedSeq: 2 });
    expect(h.sm.get('k').kv?.version).toBe(3);
  });

  it('acks only raise the mark (retries carry older acks)', () => {
    const { h, clientId } = registered();
    h.run(withSession(putCommand({ key: 'k', value: utf8('1') }), { clientId, seq: 5, ackedSeq: 4 }));
    h.run(withSession(putCommand({ key: 'k', value: utf8('2') }), { clientId, seq: 6, ackedSeq: 1 }));
    expect(h.sm.session(clientId)?.ackedSeq).toBe(4);
  });

  it('does not store reads (re-running a read is harmless; values are large)', () => {
    const { h, clientId } = registered();
    const read = withSession(getCommand({ key: 'k' }), { clientId, seq: 1, ackedSeq: 0 });
    expect(value(h.run(read)).kv).toBeNull();
    h.run(putCommand({ key: 'k', value: utf8('v') }));
    expect(value(h.run(read)).kv?.version).toBe(1);
    expect(h.sm.session(clientId)?.storedResults).toBe(0);
  });

  it('bounds stored results: session_window_full until the client acknowledges', () => {
    const { h, clientId } = registered();
    for (let seq = 1; seq <= LIMITS.sessionResultsMax; seq++) {
      h.run(withSession(putCommand({ key: 'k', value: utf8(String(seq)) }), { clientId, seq, ackedSeq: 0 }));
    }
    const next = LIMITS.sessionResultsMax + 1;
    errorOf(h.run(withSession(putCommand({ key: 'k', value: utf8('x') }), { clientId, seq: next, ackedSeq: 0 })), 'session_window_full');
    expect(h.sm.get('k').kv?.version).toBe(LIMITS.sessionResultsMax);
    expect(h.run(withSession(putCommand({ key: 'k', value: utf8('x') }), { clientId, seq: next, ackedSeq: 10 })).ok).toBe(true);
  });

  it('refuses an unknown client id with session_expired (never a silent first apply)', () => {
    const h = new Harness();
    const r = h.run(withSession(putCommand({ key: 'k', value: utf8('v') }), { clientId: 123, seq: 1, ackedSeq: 0 }));
    errorOf(r, 'session_expired');
    expect(h.sm.get('k').kv).toBeNull();
  });

  it('expires idle sessions by log-carried ticks, not by clocks', () => {
    // TEST_CONFIG: sessionIdleMs 1000 / checkpointIntervalMs 100 = 10 ticks of idleness allowed.
    const { h, clientId } = registered();
    const active = value(h.run(registerSessionCommand())).clientId;
    for (let i = 0; i < 10; i++) {
      h.run(tick);
      h.run(withSession(getCommand({ key: 'k' }), { clientId: active, seq: i + 1, ackedSeq: i }));
    }
    expect(h.sm.session(clientId)).toBeDefined(); // idle for exactly 10 ticks: kept
    expect(value(h.run(tick)).expiredSessions).toBe(1);
    expect(h.sm.session(clientId)).toBeUndefined();
    expect(h.sm.session(active)).toBeDefined();
    errorOf(h.run(withSession(putCommand({ key: 'k', value: utf8('v') }), { clientId, seq: 1, ackedSeq: 0 })), 'session_expired');
    // a checkpoint without tick does not advance the session clock
    for (let i = 0; i < 20; i++) h.run(checkpointCommand({ tick: false, leases: [] }));
    expect(h.sm.session(active)).toBeDefined();
  });
});
