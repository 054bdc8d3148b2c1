import { describe, expect, it } from 'vitest';
import type { Timers } from '../../env/index.js';
import { EventEmitter } from './event.js';
import { envTimekeeper, ManualTimekeeper } from './timekeeper.js';

/** A tiny Env clock + timers, the shape the simulator provides. */
function fakeEnv() {
  let nowMs = 0;
  let nextId = 1;
  const timers = new Map<number, { dueMs: number; callback: () => void }>();
  const env: { monoNowMs(): number } & Timers = {
    monoNowMs: () => nowMs,
    setTimer: (delayMs, callback) => {
      const id = nextId++;
      timers.set(id, { dueMs: nowMs + delayMs, callback });
      return id;
    },
    clearTimer: (id) => void timers.delete(id),
  };
  const fireNext = (): boolean => {
    const next = [...timers.entries()].sort((a, b) => a[1].dueMs - b[1].dueMs)[0];
    if (!next) return false;
    timers.delete(next[0]);
    nowMs = next[1].dueMs;
    next[1].callback();
    return true;
  };
  return { env, timers, fireNext };
}

describe('envTimekeeper', () => {
  it('sleeps on the Env timers and reads its monotonic clock', async () => {
    const { env, fireNext } = fakeEnv();
    const tk = envTimekeeper(env);
    let woke = false;
    const p = tk.sleep(250).then(() => (woke = true));
    expect(woke).toBe(false);
    expect(fireNext()).toBe(true);
    await p;
    expect(woke).toBe(true);
    expect(tk.now()).toBe(250);
  });

  it('abort clears the Env timer and rejects with the reason', async () => {
    const { env, timers } = fakeEnv();
    const controller = new AbortController();
    const p = envTimekeeper(env).sleep(1000, controller.signal);
    expect(timers.size).toBe(1);
    controller.abort('stop');
    await expect(p).rejects.toBe('stop');
    expect(timers.size).toBe(0);
    await expect(envTimekeeper(env).sleep(1, AbortSignal.abort('pre'))).rejects.toBe('pre');
  });
});

describe('ManualTimekeeper', () => {
  it('wakes sleepers in due order (ties in sleep order), at their due time', async () => {
    const tk = new ManualTimekeeper(100);
    const order: Array<[string, number]> = [];
    void tk.sleep(30).then(() => order.push(['b', tk.now()]));
    void tk.sleep(10).then(() => order.push(['a', tk.now()]));
    void tk.sleep(30).then(() => order.push(['c', tk.now()]));
    await tk.advance(20);
    expect(order).toEqual([['a', 110]]);
    expect(tk.now()).toBe(120);
    await tk.runAll();
    expect(order).toEqual([['a', 110], ['b', 130], ['c', 130]]);
  });

  it('lets a woken continuation sleep again within the same advance', async () => {
    const tk = new ManualTimekeeper();
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 5; i++) {
        await tk.sleep(10);
        ticks.push(tk.now());
      }
    })();
    await tk.advance(35);
    expect(ticks).toEqual([10, 20, 30]);
  });

  it('guards against endless sleepers and bad input', async () => {
    const tk = new ManualTimekeeper();
    void (async () => {
      for (;;) await tk.sleep(1);
    })();
    await expect(tk.runAll(50)).rejects.toThrow(/more than 50 wake-ups/);
    await expect(tk.advance(-1)).rejects.toThrow(/deltaMs/);
    expect(() => new ManualTimekeeper(NaN)).toThrow(/startMs/);
  });
});

describe('EventEmitter', () => {
  it('subscribes, disposes, and survives (un)subscription during fire', () => {
    const emitter = new EventEmitter<number>();
    const seen: string[] = [];
    const a = emitter.event((n) => {
      seen.push(`a${n}`);
      a.dispose();
      emitter.event((m) => seen.push(`late${m}`));
    });
    emitter.event((n) => seen.push(`b${n}`));
    emitter.fire(1);
    emitter.fire(2);
    expect(seen).toEqual(['a1', 'b1', 'b2', 'late2']);
    expect(emitter.size).toBe(2);
    a.dispose(); // idempotent
    expect(emitter.size).toBe(2);
    expect(() => emitter.event(null as never)).toThrow(/listener/);
  });
});
