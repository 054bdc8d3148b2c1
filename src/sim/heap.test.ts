import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventHeap } from './heap.js';

describe('EventHeap', () => {
  it('pops in (time, scheduling order) order for any schedule', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
        const heap = new EventHeap();
        times.forEach((t, i) => {
          const ev = heap.obtain();
          ev.timeUs = t;
          ev.id = i;
          heap.push(ev);
        });
        const expected = times.map((t, i) => [t, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((p) => p[1]);
        const got: number[] = [];
        for (let ev = heap.pop(); ev; ev = heap.pop()) got.push(ev.id);
        expect(got).toEqual(expected);
      }),
    );
  });

  it('reuses recycled events instead of allocating', () => {
    const heap = new EventHeap();
    const a = heap.obtain();
    heap.push(a);
    const popped = heap.pop()!;
    popped.payload = { big: true };
    heap.recycle(popped);
    const b = heap.obtain();
    expect(b).toBe(a);
    expect(b.payload).toBeUndefined();
  });

  it('rejects a non-integer or negative time', () => {
    const heap = new EventHeap();
    const ev = heap.obtain();
    ev.timeUs = 1.5;
    expect(() => heap.push(ev)).toThrow(/safe integer/);
    ev.timeUs = -1;
    expect(() => heap.push(ev)).toThrow(/safe integer/);
  });
});
