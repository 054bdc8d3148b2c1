import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../services/index.js';
import { NodeSessionPool } from './node-sessions.js';

function pool(sessionsMax = 2) {
  let nowMs = 0;
  let next = 100;
  const p = new NodeSessionPool({ register: () => Promise.resolve(next++), monoNowMs: () => nowMs, sessionsMax, abandonAfterMs: 1000 });
  return { p, advance: (ms: number) => (nowMs += ms) };
}

describe('NodeSessionPool', () => {
  it('a key whose outcome is unknown keeps its seq for the retry; a finished one gets a new seq', async () => {
    const { p } = pool();
    const a = await p.slot('k');
    expect(a.session).toEqual({ clientId: 100, seq: 1, ackedSeq: 0 });
    expect(a.fresh).toBe(true);
    a.keepForRetry();
    const retry = await p.slot('k');
    expect(retry.session.seq).toBe(1);
    expect(retry.fresh).toBe(false);
    retry.finish();
    const b = await p.slot('k');
    expect(b.session).toEqual({ clientId: 100, seq: 2, ackedSeq: 1 });
  });

  it('acknowledges only contiguous finished seqs, and bounds the window per session', async () => {
    const { p } = pool(1);
    const slots = [];
    for (let i = 0; i < LIMITS.sessionResultsMax; i++) slots.push(await p.slot(`k${i}`));
    await expect(p.slot('one-too-many')).rejects.toMatchObject({ status: 503, code: 'overloaded' });
    slots[1]!.finish();
    expect((await p.slot('x').catch(() => undefined)) === undefined).toBe(true); // seq 1 still pending pins the window
    slots[0]!.finish();
    const s = await p.slot('y');
    expect(s.session.ackedSeq).toBe(2);
  });

  it('registers a second session when the first is full, and gives up a pending seq nobody retried', async () => {
    const { p, advance } = pool(2);
    const first = await p.slot('stuck');
    first.keepForRetry();
    for (let i = 1; i < LIMITS.sessionResultsMax; i++) (await p.slot(`f${i}`)).finish();
    const other = await p.slot('next');
    expect(other.session.clientId).toBe(101);
    advance(1001);
    const again = await p.slot('stuck'); // abandoned: a new seq on the (now unpinned) first session
    expect(again.session.clientId).toBe(100);
    expect(again.session.seq).toBe(LIMITS.sessionResultsMax + 1);
    expect(again.session.ackedSeq).toBe(LIMITS.sessionResultsMax);
  });
});
