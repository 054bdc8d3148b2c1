import { describe, expect, it } from 'vitest';
import { NodeClocks } from './node-clocks.js';
import { MAX_TIMER_DELAY_MS, NodeTimers } from './node-timers.js';

describe('NodeClocks', () => {
  it('wall time follows Date.now plus the skew offset; monotonic time ignores the offset', () => {
    const clocks = new NodeClocks();
    expect(Math.abs(clocks.wallNowMs() - Date.now())).toBeLessThan(50);
    const mono = clocks.monoNowMs();
    clocks.setWallOffsetMs(-3_600_000);
    expect(clocks.wallOffsetMs).toBe(-3_600_000);
    expect(Math.abs(clocks.wallNowMs() - (Date.now() - 3_600_000))).toBeLessThan(50);
    const mono2 = clocks.monoNowMs();
    expect(mono2).toBeGreaterThanOrEqual(mono);
    expect(mono2 - mono).toBeLessThan(50);
    expect(() => clocks.setWallOffsetMs(Number.NaN)).toThrow(/NodeClocks.setWallOffsetMs/);
  });

  it('monotonic time never decreases', () => {
    const clocks = new NodeClocks();
    let last = clocks.monoNowMs();
    let decreases = 0;
    for (let i = 0; i < 100_000; i++) {
      const now = clocks.monoNowMs();
      if (now < last) decreases++;
      last = now;
    }
    expect(decreases).toBe(0);
  });
});

describe('NodeTimers', () => {
  it('fires no earlier than delayMs of monotonic time, and clearTimer cancels', async () => {
    const clocks = new NodeClocks();
    const timers = new NodeTimers({ monoNowMs: () => clocks.monoNowMs() });
    const fired: Array<{ id: number; lateMs: number }> = [];
    for (const delayMs of [0, 1, 3, 7, 15, 25]) {
      const start = clocks.monoNowMs();
      const id = timers.setTimer(delayMs, () => fired.push({ id, lateMs: clocks.monoNowMs() - start - delayMs }));
    }
    const cancelled = timers.setTimer(5, () => fired.push({ id: -1, lateMs: 0 }));
    timers.clearTimer(cancelled);
    timers.clearTimer(cancelled); // no-op
    await new Promise((r) => setTimeout(r, 80));
    expect(fired).toHaveLength(6);
    for (const f of fired) expect(f.lateMs).toBeGreaterThanOrEqual(0);
    expect(timers.pendingCount).toBe(0);
  });

  it('re-arms when the clock says the timer came early', async () => {
    let now = 0;
    const timers = new NodeTimers({ monoNowMs: () => now });
    let fired = false;
    timers.setTimer(5, () => (fired = true));
    await new Promise((r) => setTimeout(r, 20)); // real time passed, our clock did not
    expect(fired).toBe(false);
    now = 5;
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(true);
  });

  it('validates delays (setTimeout would silently turn > 2^31-1 ms into 1 ms)', () => {
    const timers = new NodeTimers({ monoNowMs: () => 0 });
    expect(() => timers.setTimer(-1, () => undefined)).toThrow(/NodeTimers.setTimer/);
    expect(() => timers.setTimer(MAX_TIMER_DELAY_MS + 1, () => undefined)).toThrow(/NodeTimers.setTimer/);
    expect(() => timers.setTimer(Number.NaN, () => undefined)).toThrow(/NodeTimers.setTimer/);
  });

  it('a 0 ms timer is a setImmediate (no 1 ms setTimeout floor), never inline, and can be cancelled', async () => {
    const timers = new NodeTimers({ monoNowMs: () => performance.now() });
    const order: string[] = [];
    setImmediate(() => order.push('setImmediate before'));
    timers.setTimer(0, () => order.push('0 ms timer'));
    setImmediate(() => order.push('setImmediate after'));
    const cancelled = timers.setTimer(0, () => order.push('cancelled'));
    timers.clearTimer(cancelled);
    order.push('inline');
    expect(timers.pendingCount).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['inline', 'setImmediate before', '0 ms timer', 'setImmediate after']);
    expect(timers.pendingCount).toBe(0);
  });

  it('clearAll cancels everything pending', async () => {
    const timers = new NodeTimers({ monoNowMs: () => performance.now() });
    let fired = 0;
    for (let i = 0; i < 5; i++) timers.setTimer(5, () => fired++);
    timers.setTimer(0, () => fired++);
    timers.clearAll();
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(0);
  });
});
