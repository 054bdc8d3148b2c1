import { describe, expect, it } from 'vitest';
import { cas, hist, r, w } from './__fixtures__/helpers.js';
import { checkHistory, defineModel, isHistoryFormatError, UNKNOWN } from './index.js';
import { casRegisterModel, kvModel, lockModel, registerModel, uniqueIdsModel } from './index.js';
import type { History } from './index.js';

const verdict = (history: History, model = registerModel as never) => checkHistory(history, model).result;

describe('register', () => {
  it('accepts a sequential write then read, and a read of the unset register as null', () => {
    expect(verdict(hist(r(0, null, [0, 1]), w(0, 1, [2, 3]), r(1, 1, [4, 5])))).toBe('linearizable');
  });

  it('orders concurrent writes either way', () => {
    const concurrent = [w(0, 1, [0, 10]), w(1, 2, [5, 15])];
    expect(verdict(hist(...concurrent, r(2, 1, [20, 25])))).toBe('linearizable');
    expect(verdict(hist(...concurrent, r(2, 2, [20, 25])))).toBe('linearizable');
    // but not both: once 1 then 2 has been seen, 1 can not come back
    expect(verdict(hist(...concurrent, r(2, 2, [20, 25]), r(2, 1, [30, 35])))).toBe('not-linearizable');
  });

  it('treats operations that share a timestamp as concurrent (closed intervals)', () => {
    // the read starts exactly when the write of 2 ends: it may still see 1
    expect(verdict(hist(w(0, 1, [0, 5]), w(1, 2, [6, 10]), r(2, 1, [10, 12])))).toBe('linearizable');
    expect(verdict(hist(w(0, 1, [0, 5]), w(1, 2, [6, 10]), r(2, 1, [11, 12])))).toBe('not-linearizable');
  });

  it('rejects a stale read and reports the read, the prefix and the state before it', () => {
    const result = checkHistory(hist(w(0, 1, [0, 10]), w(1, 2, [20, 30]), r(2, 1, [40, 50])), registerModel);
    expect(result.result).toBe('not-linearizable');
    const failure = result.failure!;
    expect(failure.op.f).toBe('read');
    expect(failure.op.output).toBe(1);
    expect(failure.prefix.map((op) => op.value)).toEqual([1, 2]);
    expect(failure.states).toEqual([2]);
    expect(failure.message).toContain('read');
  });

  it('rejects a lost write: an acknowledged write that no later read sees', () => {
    expect(verdict(hist(w(0, 1, [0, 10]), r(1, null, [20, 30])))).toBe('not-linearizable');
  });

  it('lets an info write take effect late, or never', () => {
    expect(verdict(hist(w(0, 1, [0]), r(1, null, [10, 15]), r(1, 1, [20, 25])))).toBe('linearizable');
    expect(verdict(hist(w(0, 1, [0, 5], 'info'), r(1, null, [10, 15])))).toBe('linearizable');
    // once seen it cannot be undone
    expect(verdict(hist(w(0, 1, [0, 5], 'info'), r(1, 1, [10, 15]), r(1, null, [20, 25])))).toBe('not-linearizable');
    // but it cannot take effect before it was invoked
    expect(verdict(hist(r(1, 1, [0, 5]), w(0, 1, [10, 15], 'info')))).toBe('not-linearizable');
  });

  it('ignores failed operations: they did not happen', () => {
    expect(verdict(hist(w(0, 1, [0, 5], 'fail'), r(1, null, [10, 15])))).toBe('linearizable');
    expect(verdict(hist(w(0, 1, [0, 5], 'fail'), r(1, 1, [10, 15])))).toBe('not-linearizable');
  });

  it('drops info reads and counts what it dropped', () => {
    const result = checkHistory(hist(w(0, 1, [0, 5]), r(1, 7, [10, 15], 'info'), r(2, 1, [10, 15], 'fail')), registerModel);
    expect(result.result).toBe('linearizable');
    expect(result.counts).toMatchObject({ ok: 1, info: 1, fail: 1, droppedInfoReads: 1, droppedFail: 1 });
    expect(result.partitions[0].ops).toBe(1);
  });

  it('compares structured values by content', () => {
    expect(verdict(hist(w(0, { a: 1, b: [2] }, [0, 5]), r(1, { b: [2], a: 1 }, [10, 15])))).toBe('linearizable');
    expect(verdict(hist(w(0, 1, [0, 5]), r(1, '1', [10, 15])))).toBe('not-linearizable');
  });

  it('rejects an operation the model does not know, naming the line', () => {
    const history = hist({ p: 0, f: 'frob', t: [0, 1] });
    try {
      checkHistory(history, registerModel);
      expect.unreachable();
    } catch (error) {
      expect(isHistoryFormatError(error)).toBe(true);
      expect((error as Error).message).toMatch(/line 1: expected an operation of model register/);
    }
  });
});

describe('cas-register', () => {
  const model = casRegisterModel as never;
  it('swaps only when the register holds the expected value', () => {
    expect(verdict(hist(w(0, 1, [0, 5]), cas(0, 1, 2, [10, 15]), r(1, 2, [20, 25])), model)).toBe('linearizable');
    expect(verdict(hist(w(0, 1, [0, 5]), cas(0, 3, 4, [10, 15])), model)).toBe('not-linearizable');
  });

  it('reads an unset register as nil and can cas from nil', () => {
    expect(verdict(hist(r(0, null, [0, 1]), cas(0, null, 1, [2, 3]), r(0, 1, [4, 5])), model)).toBe('linearizable');
  });

  it('lets an info cas take effect if it could, at any later point', () => {
    const base = [w(0, 1, [0, 10]), cas(1, 1, 2, [20], 'info')];
    expect(verdict(hist(...base, r(2, 1, [30, 40]), r(2, 2, [50, 60])), model)).toBe('linearizable');
    expect(verdict(hist(...base, r(2, 2, [30, 40]), r(2, 1, [50, 60])), model)).toBe('not-linearizable');
  });

  it('ignores failed cas (the compare failed: no effect)', () => {
    expect(verdict(hist(w(0, 1, [0, 5]), cas(1, 1, 2, [10, 15], 'fail'), r(2, 1, [20, 25])), model)).toBe('linearizable');
  });

  it('rejects a malformed cas value with the line', () => {
    expect(() => checkHistory(hist({ p: 0, f: 'cas', v: 3, t: [0, 1] }), casRegisterModel)).toThrow(/line 1: expected a cas value \[old, new\]/);
  });

  it('checks concurrent writes and cas from many processes', () => {
    // p0 writes 0; p1 cas 0->1 and p2 cas 0->2 race: only one may win
    const both = hist(w(0, 0, [0, 5]), cas(1, 0, 1, [10, 20]), cas(2, 0, 2, [10, 20]));
    expect(verdict(both, model)).toBe('not-linearizable');
    const one = hist(w(0, 0, [0, 5]), cas(1, 0, 1, [10, 20]), cas(2, 0, 2, [10, 20], 'fail'), r(3, 1, [25, 30]));
    expect(verdict(one, model)).toBe('linearizable');
  });
});

describe('kv', () => {
  const model = kvModel as never;
  const put = (p: number, key: string, v: unknown, t: [number, number] | [number], type?: 'ok' | 'info') => ({ p, f: 'put', key, v, t, type });
  const get = (p: number, key: string, out: unknown, t: [number, number]) => ({ p, f: 'get', key, out, t });
  const append = (p: number, key: string, v: string, t: [number, number]) => ({ p, f: 'append', key, v, t });

  it('checks each key on its own and names the failing key', () => {
    const ok = hist(put(0, 'x', 'a', [0, 5]), put(1, 'y', 'b', [0, 5]), get(2, 'x', 'a', [10, 15]), get(3, 'y', 'b', [10, 15]));
    const result = checkHistory(ok, kvModel);
    expect(result.result).toBe('linearizable');
    expect(result.partitions.map((p) => p.key)).toEqual(['x', 'y']);
    const bad = checkHistory(hist(put(0, 'x', 'a', [0, 5]), put(1, 'y', 'b', [0, 5]), get(2, 'x', 'b', [10, 15])), kvModel);
    expect(bad.result).toBe('not-linearizable');
    expect(bad.failure!.key).toBe('x');
    expect(bad.partitions.find((p) => p.key === 'y')!.result).toBe('linearizable');
  });

  it('appends as string concatenation, absent counting as empty', () => {
    const base = [append(0, 'k', 'a', [0, 10]), append(1, 'k', 'b', [0, 10])];
    expect(verdict(hist(...base, get(2, 'k', 'ab', [20, 25])), model)).toBe('linearizable');
    expect(verdict(hist(...base, get(2, 'k', 'ba', [20, 25])), model)).toBe('linearizable');
    expect(verdict(hist(...base, get(2, 'k', 'aa', [20, 25])), model)).toBe('not-linearizable');
  });

  it('deletes, and cas with null as "absent"', () => {
    expect(
      verdict(hist(put(0, 'k', 1, [0, 5]), { p: 0, f: 'delete', key: 'k', t: [10, 15] }, get(1, 'k', null, [20, 25])), model),
    ).toBe('linearizable');
    expect(verdict(hist({ p: 0, f: 'cas', key: 'k', v: [null, 'v'], t: [0, 5] }, get(1, 'k', 'v', [10, 15])), model)).toBe('linearizable');
    expect(verdict(hist(put(0, 'k', 'x', [0, 5]), { p: 0, f: 'cas', key: 'k', v: [null, 'v'], t: [10, 15] }), model)).toBe(
      'not-linearizable',
    );
  });

  it('requires a key on every operation', () => {
    expect(() => checkHistory(hist({ p: 0, f: 'get', t: [0, 1] }), kvModel)).toThrow(/a key on every kv operation/);
  });
});

describe('lock', () => {
  const model = lockModel as never;
  const acq = (p: number, token: unknown, t: [number, number] | [number], type?: 'ok' | 'info' | 'fail') => ({ p, f: 'acquire', out: token, t, type });
  const rel = (p: number, t: [number, number] | [number], type?: 'ok' | 'info') => ({ p, f: 'release', t, type });

  it('accepts acquire/release handovers with increasing tokens', () => {
    expect(verdict(hist(acq(0, 1, [0, 10]), rel(0, [20, 30]), acq(1, 2, [40, 50]), rel(1, [60, 70])), model)).toBe('linearizable');
  });

  it('rejects a lock granted twice', () => {
    const result = checkHistory(hist(acq(0, 1, [0, 10]), acq(1, 2, [20, 30]), rel(0, [40, 50])), lockModel);
    expect(result.result).toBe('not-linearizable');
    expect(result.failure!.op.f).toBe('acquire');
    expect(result.failure!.stateDescriptions[0]).toContain('held by 0');
  });

  it('rejects a fencing token that goes backwards', () => {
    expect(verdict(hist(acq(0, 5, [0, 10]), rel(0, [20, 30]), acq(1, 3, [40, 50])), model)).toBe('not-linearizable');
    expect(verdict(hist(acq(0, 5, [0, 10]), rel(0, [20, 30]), acq(1, 5, [40, 50])), model)).toBe('not-linearizable');
  });

  it('rejects a release by a process that does not hold the lock', () => {
    expect(verdict(hist(acq(0, 1, [0, 10]), rel(1, [20, 30])), model)).toBe('not-linearizable');
  });

  it('works without tokens, and with an info acquire that may have been granted', () => {
    expect(verdict(hist(acq(0, null, [0, 10]), rel(0, [20, 30]), acq(1, null, [40, 50])), model)).toBe('linearizable');
    // p0's acquire timed out; p1 then got the lock, so p0's acquire did not take effect before it
    expect(verdict(hist(acq(0, null, [0, 10], 'info'), acq(1, 1, [20, 30]), rel(1, [40, 50])), model)).toBe('linearizable');
  });
});

describe('unique-ids', () => {
  const gen = (p: number, id: unknown, t: [number, number], type?: 'ok' | 'info') => ({ p, f: 'generate', out: id, t, type });
  it('accepts distinct IDs without search', () => {
    const result = checkHistory(hist(gen(0, 1, [0, 5]), gen(1, 2, [0, 5]), gen(0, 'x', [6, 7]), gen(1, 9, [6, 7], 'info')), uniqueIdsModel);
    expect(result.result).toBe('linearizable');
    expect(result.linearization).toHaveLength(4); // the info one too: it may have happened
  });

  it('rejects an ID generated twice and names both operations', () => {
    const result = checkHistory(hist(gen(0, 7, [0, 5]), gen(1, 8, [0, 5]), gen(2, 7, [10, 15])), uniqueIdsModel);
    expect(result.result).toBe('not-linearizable');
    expect(result.failure!.message).toMatch(/ID 7 was generated twice/);
    expect(result.failure!.op.process).toBe(2);
    expect(result.failure!.prefix.map((op) => op.process)).toEqual([0]);
  });
});

describe('defineModel', () => {
  const counter = defineModel<number>({
    name: 'counter',
    init: () => 0,
    step: (n, input, output) =>
      input.f === 'incr' ? { ok: true, state: n + 1 } : { ok: output === UNKNOWN || output === n, state: n },
    key: (n) => n,
    readOnly: (input) => input.f === 'read',
    operations: ['incr', 'read'],
    dependsOnProcess: false,
  });

  it('checks a user model', () => {
    const incr = (p: number, t: [number, number] | [number], type?: 'ok' | 'info') => ({ p, f: 'incr', t, type });
    const read = (p: number, n: number, t: [number, number]) => ({ p, f: 'read', out: n, t });
    expect(checkHistory(hist(incr(0, [0, 10]), incr(1, [0, 10]), read(2, 2, [20, 25])), counter).result).toBe('linearizable');
    expect(checkHistory(hist(incr(0, [0, 10]), incr(1, [0, 10]), read(2, 1, [20, 25])), counter).result).toBe('not-linearizable');
    // two timed-out increments: the read may see 0, 1 or 2 of them
    const infos = [incr(0, [0, 10], 'info'), incr(1, [0, 10], 'info')];
    for (const n of [0, 1, 2]) expect(checkHistory(hist(...infos, read(2, n, [20, 25])), counter).result).toBe('linearizable');
    expect(checkHistory(hist(...infos, read(2, 3, [20, 25])), counter).result).toBe('not-linearizable');
  });

  it('partitions by a user function', () => {
    const perKeyCounter = defineModel<number>({
      name: 'counters',
      init: () => 0,
      step: (n, input, output) => (input.f === 'incr' ? { ok: true, state: n + 1 } : { ok: output === n, state: n }),
      partition: (input) => (input.value as { counter: string }).counter,
    });
    const history = hist(
      { p: 0, f: 'incr', v: { counter: 'a' }, t: [0, 1] },
      { p: 0, f: 'read', v: { counter: 'b' }, out: 0, t: [2, 3] },
      { p: 0, f: 'read', v: { counter: 'a' }, out: 1, t: [4, 5] },
    );
    const result = checkHistory(history, perKeyCounter);
    expect(result.result).toBe('linearizable');
    expect(result.partitions.map((p) => p.key)).toEqual(['a', 'b']);
  });

  it('validates the spec with messages naming the API', () => {
    expect(() => defineModel({ name: '', init: () => 0, step: (s: number) => ({ ok: true, state: s }) })).toThrow(/defineModel: name/);
    expect(() => defineModel({ name: 'x', init: () => 0 } as never)).toThrow(/defineModel\(x\): step must be a function/);
    expect(() => defineModel({ name: 'x', init: () => 0, step: (s: number) => ({ ok: true, state: s }), hash: () => 1 })).toThrow(
      /hash needs equal/,
    );
  });

  it('uses equal and hash when given instead of a key', () => {
    const setModel = defineModel<ReadonlySet<number>>({
      name: 'set',
      init: () => new Set(),
      step: (s, input, output) => {
        if (input.f === 'add') return { ok: true, state: new Set([...s, input.value as number]) };
        return { ok: output === UNKNOWN || (output as number[]).length === s.size && (output as number[]).every((x) => s.has(x)), state: s };
      },
      equal: (a, b) => a.size === b.size && [...a].every((x) => b.has(x)),
      hash: (s) => s.size,
    });
    const history = hist({ p: 0, f: 'add', v: 1, t: [0, 10] }, { p: 1, f: 'add', v: 2, t: [0, 10] }, { p: 2, f: 'read', out: [2, 1], t: [20, 30] });
    expect(checkHistory(history, setModel).result).toBe('linearizable');
  });
});
