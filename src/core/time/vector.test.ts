import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runExecution, stepsArb } from './__fixtures__/execution.js';
import { ClockDecodeError, isClockDecodeError } from './errors.js';
import { VectorClock } from './vector.js';
import type { VectorOrder } from './vector.js';

// Few nodes and small counters: random pairs are then often comparable.
const vcArb = fc
  .dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.nat(4))
  .map((d) => VectorClock.from(d));
const anyNodeVcArb = fc
  .array(fc.tuple(fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }), fc.nat({ max: Number.MAX_SAFE_INTEGER })), { maxLength: 6 })
  .map((pairs) => VectorClock.from(new Map(pairs)));

const leq = (o: VectorOrder) => o === 'before' || o === 'equal';
const reverse: Record<VectorOrder, VectorOrder> = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' };

describe('VectorClock', () => {
  it('increments, reads missing entries as 0, and is immutable', () => {
    const zero = VectorClock.empty();
    const a1 = zero.increment('a');
    const a2b1 = a1.increment('a').increment('b');
    expect(zero.size).toBe(0);
    expect(a1.get('a')).toBe(1);
    expect(a1.get('b')).toBe(0);
    expect(a2b1.toJSON()).toEqual({ a: 2, b: 1 });
    expect(a2b1.nodes()).toEqual(['a', 'b']);
  });

  it('treats zero entries as missing: {a:0} equals {}', () => {
    const withZero = VectorClock.from({ a: 0 });
    expect(withZero.compare(VectorClock.EMPTY)).toBe('equal');
    expect(withZero.equals(VectorClock.EMPTY)).toBe(true);
    expect(withZero.encode()).toEqual(VectorClock.EMPTY.encode());
    expect(withZero.toString()).toBe('');
  });

  it('classifies before, after, equal and concurrent', () => {
    const x = VectorClock.from({ a: 1, b: 2 });
    expect(x.compare(VectorClock.from({ a: 1, b: 3 }))).toBe('before');
    expect(x.compare(VectorClock.from({ a: 1 }))).toBe('after');
    expect(x.compare(VectorClock.from({ b: 2, a: 1 }))).toBe('equal');
    expect(x.compare(VectorClock.from({ a: 2, b: 1 }))).toBe('concurrent');
    expect(x.compare(VectorClock.from({ c: 1 }))).toBe('concurrent');
    expect(x.happenedBefore(x.increment('c'))).toBe(true);
    expect(x.concurrentWith(VectorClock.from({ c: 1 }))).toBe(true);
  });

  it('rejects bad input with messages naming the API', () => {
    expect(() => VectorClock.from({ a: -1 })).toThrow(/VectorClock.from: counter/);
    expect(() => VectorClock.from({ a: 1.5 })).toThrow(/VectorClock.from/);
    expect(() => VectorClock.from([['', 1]])).toThrow(/non-empty/);
    expect(() => VectorClock.from([['a', 1], ['a', 2]])).toThrow(/appears twice/);
    expect(() => VectorClock.EMPTY.increment('')).toThrow(/VectorClock.increment/);
    expect(() => VectorClock.EMPTY.increment(undefined as unknown as string)).toThrow(/VectorClock.increment/);
    expect(() => VectorClock.from({ a: 1 }).increment(undefined as unknown as string)).toThrow(/VectorClock.increment/);
    expect(() => VectorClock.EMPTY.increment('x\uD800')).toThrow(/well-formed/);
    expect(() => VectorClock.from([['\uDC00y', 1]])).toThrow(/well-formed/);
    expect(() => VectorClock.from({ a: Number.MAX_SAFE_INTEGER }).increment('a')).toThrow(/MAX_SAFE_INTEGER/);
  });

  it('compare is reflexive and antisymmetric, and flips with its arguments', () => {
    fc.assert(
      fc.property(vcArb, vcArb, (a, b) => {
        expect(a.compare(a)).toBe('equal');
        expect(b.compare(a)).toBe(reverse[a.compare(b)]);
        if (leq(a.compare(b)) && leq(b.compare(a))) expect(a.equals(b)).toBe(true);
        expect(a.compare(b) === 'equal').toBe(a.equals(b));
      }),
      { numRuns: 500 },
    );
  });

  it('compare is transitive', () => {
    fc.assert(
      fc.property(vcArb, vcArb, vcArb, (a, b, c) => {
        if (leq(a.compare(b)) && leq(b.compare(c))) expect(leq(a.compare(c))).toBe(true);
        if (a.compare(b) === 'before' && leq(b.compare(c))) expect(a.compare(c)).toBe('before');
        // Build a guaranteed chain too, so the implication is exercised every run.
        const b2 = a.merge(b);
        const c2 = b2.merge(c).increment('z');
        expect(leq(a.compare(b2))).toBe(true);
        expect(b2.compare(c2)).toBe('before');
        expect(a.compare(c2)).toBe('before');
      }),
      { numRuns: 500 },
    );
  });

  it('merge is commutative, associative, idempotent and an upper bound', () => {
    fc.assert(
      fc.property(vcArb, vcArb, vcArb, (a, b, c) => {
        expect(a.merge(b).equals(b.merge(a))).toBe(true);
        expect(a.merge(b).merge(c).equals(a.merge(b.merge(c)))).toBe(true);
        expect(a.merge(a).equals(a)).toBe(true);
        expect(leq(a.compare(a.merge(b)))).toBe(true);
        expect(leq(b.compare(a.merge(b)))).toBe(true);
        for (const n of ['a', 'b', 'c', 'd']) expect(a.merge(b).get(n)).toBe(Math.max(a.get(n), b.get(n)));
      }),
      { numRuns: 500 },
    );
  });

  it('compare agrees exactly with happened-before in arbitrary executions', () => {
    fc.assert(
      fc.property(stepsArb({ nodes: 4, maxSteps: 50 }), (steps) => {
        const state = Array.from({ length: 4 }, () => VectorClock.EMPTY);
        const name = (n: number) => `n${n}`;
        const events = runExecution<VectorClock>(4, steps, {
          local: (n) => (state[n] = state[n].increment(name(n))),
          send: (n) => (state[n] = state[n].increment(name(n))),
          receive: (n, _pt, m) => (state[n] = state[n].merge(m).increment(name(n))),
        });
        for (const e of events) {
          for (const f of events) {
            const expected: VectorOrder =
              e.id === f.id ? 'equal' : f.preds.has(e.id) ? 'before' : e.preds.has(f.id) ? 'after' : 'concurrent';
            expect(e.stamp.compare(f.stamp)).toBe(expected);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('binary and text encodings round-trip, including unusual node ids', () => {
    fc.assert(
      fc.property(anyNodeVcArb, (v) => {
        expect(VectorClock.decode(v.encode()).equals(v)).toBe(true);
        expect(VectorClock.parse(v.toString()).equals(v)).toBe(true);
        expect(VectorClock.from(v.toJSON()).equals(v)).toBe(true);
      }),
      { numRuns: 300 },
    );
    const odd = VectorClock.from([['a,b', 2], ['x=y', 3], ['__proto__', 4], ['ü', 5]]);
    expect(VectorClock.parse(odd.toString()).toJSON()).toEqual(odd.toJSON());
    expect(Object.keys(odd.toJSON())).toContain('__proto__');
  });

  it('the hand-written UTF-8 matches TextEncoder for any well-formed id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }), (id) => {
        const bytes = VectorClock.from({ [id]: 1 }).encode();
        const utf8 = new TextEncoder().encode(id);
        expect(bytes.subarray(2, 2 + utf8.length)).toEqual(utf8);
        expect(bytes.length).toBe(1 + 1 + utf8.length + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('encoding is compact: small clocks take a few bytes per entry', () => {
    const v = VectorClock.from({ n1: 5, n2: 300 });
    expect(v.encode().length).toBe(1 + (1 + 2 + 1) + (1 + 2 + 2));
    expect(v.toString()).toBe('n1=5,n2=300');
  });

  it('decode accepts only canonical encodings: arbitrary bytes re-encode identically or throw ClockDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        let decoded: VectorClock | undefined;
        try {
          decoded = VectorClock.decode(bytes);
        } catch (e) {
          expect(isClockDecodeError(e)).toBe(true);
          return;
        }
        expect(decoded.encode()).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('decode names the defect', () => {
    const enc = VectorClock.from({ a: 1, b: 2 }).encode();
    expect(() => VectorClock.decode(enc.subarray(0, enc.length - 1))).toThrow(ClockDecodeError);
    expect(() => VectorClock.decode(Uint8Array.of(...enc, 0))).toThrow(/trailing/);
    expect(() => VectorClock.decode(Uint8Array.of(1, 1, 0x61, 0))).toThrow(/zero counter/);
    expect(() => VectorClock.decode(Uint8Array.of(2, 1, 0x62, 1, 1, 0x61, 1))).toThrow(/ascending/);
    expect(() => VectorClock.decode(Uint8Array.of(1, 1, 0xff, 1))).toThrow(/UTF-8/);
    expect(() => VectorClock.parse('a=1,b')).toThrow(ClockDecodeError);
    expect(() => VectorClock.parse('a=01')).toThrow(ClockDecodeError);
    expect(() => VectorClock.parse('a=99999999999999999999')).toThrow(ClockDecodeError);
    expect(() => VectorClock.parse('%E0%A4%A=1')).toThrow(ClockDecodeError);
  });
});
