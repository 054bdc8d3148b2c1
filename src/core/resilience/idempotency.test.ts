import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isIdempotencyKeyReusedError, isIdempotencyStoreFullError } from './errors.js';
import { IdempotencyStore } from './idempotency.js';
import { stableJson } from './stable-json.js';
import { ManualTimekeeper } from './timekeeper.js';

function counter<T>(result: () => Promise<T>) {
  let runs = 0;
  return {
    fn: () => {
      runs++;
      return result();
    },
    get runs() {
      return runs;
    },
  };
}

describe('IdempotencyStore', () => {
  it('same key, same params → same outcome, and the work ran once', async () => {
    const store = new IdempotencyStore<{ id: number }>({ clock: new ManualTimekeeper() });
    let next = 1;
    const work = counter(async () => ({ id: next++ }));
    const a = await store.run('k1', { amount: 100, currency: 'eur' }, work.fn);
    const b = await store.run('k1', { currency: 'eur', amount: 100 }, work.fn); // key order differs
    expect(b).toBe(a);
    expect(work.runs).toBe(1);
    expect(store.peek('k1')).toMatchObject({ state: 'done', outcome: { ok: true, value: { id: 1 } } });
  });

  it('replays an error outcome too, without running again', async () => {
    const store = new IdempotencyStore({ clock: new ManualTimekeeper() });
    const declined = new Error('card declined');
    const work = counter(async () => Promise.reject(declined));
    await expect(store.run('k', { a: 1 }, work.fn)).rejects.toBe(declined);
    await expect(store.run('k', { a: 1 }, work.fn)).rejects.toBe(declined);
    expect(work.runs).toBe(1);
  });

  it('concurrent duplicates wait for the first instead of running twice', async () => {
    const tk = new ManualTimekeeper();
    const store = new IdempotencyStore<string>({ clock: tk });
    const work = counter(async () => {
      await tk.sleep(100);
      return 'charged';
    });
    const all = Promise.all([store.run('k', 1, work.fn), store.run('k', 1, work.fn), store.run('k', 1, work.fn)]);
    expect(store.peek('k')?.state).toBe('running');
    await tk.runAll();
    expect(await all).toEqual(['charged', 'charged', 'charged']);
    expect(work.runs).toBe(1);
  });

  it('a reused key with different params is an error (running or done), and the first outcome stays', async () => {
    const tk = new ManualTimekeeper();
    const store = new IdempotencyStore<string>({ clock: tk });
    const first = store.run('k', { amount: 1 }, async () => {
      await tk.sleep(10);
      return 'one';
    });
    const clash = await store.run('k', { amount: 2 }, async () => 'two').catch((e: unknown) => e);
    expect(isIdempotencyKeyReusedError(clash)).toBe(true);
    await tk.runAll();
    await expect(first).resolves.toBe('one');
    await expect(store.run('k', { amount: 2 }, async () => 'two')).rejects.toSatisfy(isIdempotencyKeyReusedError);
    await expect(store.run('k', { amount: 1 }, async () => 'again')).resolves.toBe('one');
  });

  it('expires outcomes ttlMs after the first request (24 h by default)', async () => {
    const tk = new ManualTimekeeper();
    const store = new IdempotencyStore<number>({ clock: tk });
    expect(store.ttlMs).toBe(86_400_000);
    let n = 0;
    await store.run('k', null, async () => ++n);
    await tk.advance(86_400_000 - 1);
    await expect(store.run('k', null, async () => ++n)).resolves.toBe(1);
    await tk.advance(1);
    expect(store.peek('k')).toBeUndefined();
    await expect(store.run('k', null, async () => ++n)).resolves.toBe(2);
  });

  it('sweep removes expired keys only, never running ones', async () => {
    const tk = new ManualTimekeeper();
    const store = new IdempotencyStore<number>({ clock: tk, ttlMs: 1000 });
    await store.run('a', 0, async () => 1);
    const slow = store.run('slow', 0, async () => {
      await tk.sleep(5000);
      return 2;
    });
    await tk.advance(500);
    await store.run('b', 0, async () => 3);
    expect(store.sweep(1000)).toBe(1); // a
    expect(store.size).toBe(2);
    expect(store.sweep(1500)).toBe(1); // b; slow is expired by time but running
    expect(store.peek('slow', 1500)?.state).toBe('running');
    await tk.runAll();
    await slow;
    expect(store.sweep()).toBe(1);
    expect(store.size).toBe(0);
  });

  it('is bounded: evicts expired keys first, then the oldest completed; refuses when all are running', async () => {
    const tk = new ManualTimekeeper();
    const store = new IdempotencyStore<string>({ clock: tk, maxKeys: 2, ttlMs: 1000 });
    await store.run('old', 0, async () => 'old');
    await tk.advance(10);
    await store.run('mid', 0, async () => 'mid');
    await store.run('new', 0, async () => 'new'); // full: evicts the oldest completed
    expect(store.peek('old')).toBeUndefined();
    expect(store.evictions).toBe(1);
    await tk.advance(1000); // both expire
    await store.run('x', 0, async () => 'x'); // an expired key makes room: no eviction counted
    expect(store.evictions).toBe(1);
    const hang = new Promise<string>(() => {});
    const blocked = new IdempotencyStore<string>({ clock: tk, maxKeys: 1 });
    void blocked.run('r', 0, () => hang);
    await expect(blocked.run('s', 0, async () => 's')).rejects.toSatisfy(isIdempotencyStoreFullError);
  });

  it('shouldRecordError=false releases the key so a retry runs again', async () => {
    const store = new IdempotencyStore<string>({ clock: new ManualTimekeeper(), shouldRecordError: (e) => (e as Error).message !== 'not leader' });
    const attempts = ['not leader', 'ok'];
    const fn = async (): Promise<string> => {
      const a = attempts.shift()!;
      if (a !== 'ok') throw new Error(a);
      return a;
    };
    await expect(store.run('k', 0, fn)).rejects.toThrow('not leader');
    await expect(store.run('k', 0, fn)).resolves.toBe('ok');
  });

  it('takes a custom fingerprint and validates', async () => {
    const store = new IdempotencyStore<number>({ clock: new ManualTimekeeper(), fingerprint: (p) => String((p as { id: number }).id) });
    await store.run('k', { id: 1, noise: 'a' }, async () => 1);
    await expect(store.run('k', { id: 1, noise: 'b' }, async () => 2)).resolves.toBe(1);
    await expect(store.run('', 0, async () => 1)).rejects.toThrow(/key/);
    expect(() => new IdempotencyStore({} as never)).toThrow(/IdempotencyStore: options.clock/);
    expect(() => new IdempotencyStore({ clock: new ManualTimekeeper(), maxKeys: 0 })).toThrow(/maxKeys/);
    expect(store.delete('k')).toBe(true);
  });

  it('runs the work exactly once per key under any interleaving (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), dtMs: fc.integer({ min: 0, max: 50 }), fail: fc.boolean() }), { maxLength: 30 }),
        async (requests) => {
          const tk = new ManualTimekeeper();
          const store = new IdempotencyStore<string>({ clock: tk });
          const runs = new Map<string, number>();
          const results: Array<Promise<unknown>> = [];
          for (const r of requests) {
            await tk.advance(r.dtMs);
            results.push(
              store
                .run(r.key, { key: r.key }, async () => {
                  runs.set(r.key, (runs.get(r.key) ?? 0) + 1);
                  await tk.sleep(30);
                  if (r.fail) throw new Error(`failed ${r.key}`);
                  return `ok ${r.key}`;
                })
                .then((v) => ({ v }), (e: unknown) => ({ e: (e as Error).message })),
            );
          }
          await tk.runAll();
          const settled = await Promise.all(results);
          for (const n of runs.values()) expect(n).toBe(1);
          // Every request for a key saw the same outcome as the first.
          const firstByKey = new Map<string, unknown>();
          requests.forEach((r, i) => {
            if (!firstByKey.has(r.key)) firstByKey.set(r.key, settled[i]);
            expect(settled[i]).toEqual(firstByKey.get(r.key));
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('stableJson', () => {
  it('sorts keys at every level and follows JSON otherwise', () => {
    expect(stableJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"e":2,"f":1}]},"b":1}');
    expect(stableJson([undefined, NaN, 1n, 'x'])).toBe('[null,null,"1n","x"]');
    expect(stableJson(undefined)).toBe('null');
    expect(stableJson({ toJSON: () => ({ z: 1, y: 2 }) })).toBe('{"y":2,"z":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stableJson(cyclic)).toThrow(/cyclic/);
    const shared = { x: 1 };
    expect(stableJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}'); // shared ≠ cyclic
  });

  it('equal values give equal strings regardless of key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(stableJson(reversed)).toBe(stableJson(obj));
        expect(JSON.parse(stableJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });
});

describe('IdempotencyStore.begin (the synchronous core, for code that cannot await)', () => {
  it('started → complete; a duplicate while running waits (called synchronously at complete); later ones replay', () => {
    const store = new IdempotencyStore<string>({ clock: new ManualTimekeeper() });
    const first = store.begin('k', { amount: 100 });
    expect(first.status).toBe('started');
    const dup = store.begin('k', { amount: 100 });
    expect(dup.status).toBe('in-flight');
    const heard: string[] = [];
    if (dup.status === 'in-flight') dup.wait((o) => heard.push(o.ok ? o.value : 'error'));
    expect(heard).toEqual([]);
    if (first.status === 'started') first.complete({ ok: true, value: 'moved 100' });
    expect(heard).toEqual(['moved 100']);
    const later = store.begin('k', { amount: 100 });
    expect(later).toEqual({ status: 'done', outcome: { ok: true, value: 'moved 100' } });
    if (first.status === 'started') expect(() => first.complete({ ok: true, value: 'again' })).toThrow(/complete\(\) called twice/);
    // A wait registered after completion hears at once.
    if (dup.status === 'in-flight') dup.wait((o) => heard.push(o.ok ? `late ${o.value}` : 'error'));
    expect(heard).toEqual(['moved 100', 'late moved 100']);
  });

  it('rejects a reused key with other params (while running and after), and a full store of running keys', () => {
    const store = new IdempotencyStore<string>({ clock: new ManualTimekeeper(), maxKeys: 1 });
    const a = store.begin('k', { amount: 1 });
    const clash = store.begin('k', { amount: 2 });
    expect(clash.status).toBe('rejected');
    if (clash.status === 'rejected') expect(isIdempotencyKeyReusedError(clash.error)).toBe(true);
    const full = store.begin('other', 0);
    expect(full.status === 'rejected' && isIdempotencyStoreFullError(full.error)).toBe(true);
    if (a.status === 'started') a.complete({ ok: false, error: 'declined' });
    expect(store.begin('k', { amount: 1 })).toEqual({ status: 'done', outcome: { ok: false, error: 'declined' } });
    expect(store.begin('k', { amount: 2 }).status).toBe('rejected');
    expect(() => store.begin('', 0)).toThrow(/key must be a non-empty string/);
  });

  it('an error shouldRecordError refuses is still told to the waiters, but the key is released', () => {
    const store = new IdempotencyStore<string>({ clock: new ManualTimekeeper(), shouldRecordError: (e) => e !== 'not leader' });
    const a = store.begin('k', 0);
    const b = store.begin('k', 0);
    const heard: unknown[] = [];
    if (b.status === 'in-flight') b.wait((o) => heard.push(o));
    if (a.status === 'started') a.complete({ ok: false, error: 'not leader' });
    expect(heard).toEqual([{ ok: false, error: 'not leader' }]);
    expect(store.begin('k', 0).status).toBe('started');
  });
});
