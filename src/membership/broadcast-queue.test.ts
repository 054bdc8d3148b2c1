import { describe, expect, it } from 'vitest';
import { retransmitLimit } from './arithmetic.js';
import { BroadcastQueue } from './broadcast-queue.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('BroadcastQueue (memberlist queue_test.go)', () => {
  it('a newer broadcast about a member replaces the older one (TestTransmitLimited_Queue)', () => {
    const q = new BroadcastQueue();
    q.queue('test', text('t1'));
    q.queue('foo', text('f1'));
    q.queue('bar', text('b1'));
    expect(q.size).toBe(3);
    q.queue('test', text('t2'));
    expect(q.size).toBe(3);
    // Newest first among equals: t2 was queued last.
    expect(q.take(0, 100, 10).map(str)).toEqual(['t2', 'b1', 'f1']);
  });

  it('fits as many as the byte budget allows, counting per-message overhead (TestTransmitLimited_GetBroadcasts)', () => {
    const q = new BroadcastQueue();
    for (const [name, n] of [['test', 1], ['foo', 2], ['bar', 3], ['baz', 4]] as const) q.queue(name, text(`${n}. this is a test.`));
    expect(q.take(2, 80, retransmitLimit(3, 10))).toHaveLength(4);
    expect(q.take(3, 80, retransmitLimit(3, 10))).toHaveLength(3);
  });

  it('drops a broadcast after its transmit limit (TestTransmitLimited_GetBroadcasts_Limit)', () => {
    const q = new BroadcastQueue();
    const limit = retransmitLimit(1, 10);
    expect(limit).toBe(2);
    for (const [name, n] of [['test', 1], ['foo', 2], ['bar', 3], ['baz', 4]] as const) q.queue(name, text(`${n}. this is a test.`));
    expect(q.take(3, 80, limit)).toHaveLength(3);
    expect(q.take(3, 80, limit)).toHaveLength(3);
    expect(q.take(3, 80, limit)).toHaveLength(2);
    expect(q.take(3, 80, limit)).toHaveLength(0);
    expect(q.size).toBe(0);
  });

  it('sends fresher broadcasts first, then longer ones, then newer ones', () => {
    const q = new BroadcastQueue();
    q.queue('a', text('aaaa'));
    expect(q.take(0, 100, 10).map(str)).toEqual(['aaaa']); // a: 1 transmit
    q.queue('b', text('bb'));
    q.queue('c', text('cccccc'));
    q.queue('d', text('dd'));
    expect(q.take(0, 100, 10).map(str)).toEqual(['cccccc', 'dd', 'bb', 'aaaa']);
  });

  it('a replacement queued after the only item was re-tiered keeps every item (TestTransmitLimitedQueue_ReinsertAfterIdleKeepsAll)', () => {
    const q = new BroadcastQueue();
    const msg = (fill: string) => text(fill.repeat(115));
    q.queue('node-a', msg('a'));
    expect(q.take(2, 117, 8).map((b) => str(b)[0])).toEqual(['a']);
    q.queue('node-b', msg('b'));
    q.queue('node-c', msg('c'));
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      for (const m of q.take(2, 117, 8)) seen.add(str(m)[0]);
      expect(q.size).toBe(3);
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('respects a cap on the number of messages taken', () => {
    const q = new BroadcastQueue();
    for (let i = 0; i < 10; i++) q.queue(`n${i}`, text('x'));
    expect(q.take(0, 1000, 5, 4)).toHaveLength(4);
    expect(q.size).toBe(10);
  });
});
