import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import { cas, hist, r, w } from './__fixtures__/helpers.js';
import { casRegisterModel, checkHistory, kvModel, pairOperations, registerModel, synthesizeHistory, UNKNOWN } from './index.js';
import type { History, Model } from './index.js';
import { defaultInfoClassKey, searchLinearization } from './search.js';
import type { SearchOp } from './search.js';

/** Run the raw search (with knobs the public API does not expose). */
function search<S>(history: History, model: Model<S>, options: { memoize: boolean; hashMask?: number }) {
  const searchOps: SearchOp[] = pairOperations(history)
    .ops.filter((op) => op.status === 'ok' || (op.status === 'info' && !model.readOnly({ f: op.f, value: op.value, process: op.process })))
    .map((op) => ({
      input: { f: op.f, value: op.value, process: op.process },
      output: op.status === 'ok' ? op.output : UNKNOWN,
      info: op.status !== 'ok',
      callTime: op.callTime,
      returnTime: op.returnTime,
      callOrder: op.invokeLine,
      returnOrder: op.completeLine ?? Infinity,
    }));
  const budget = { stepsLeft: Infinity, deadline: Infinity, now: undefined, maxMemoEntries: 1e9 };
  return searchLinearization(model, searchOps, budget, { maxFailureStates: 4, ...options }, defaultInfoClassKey(model.dependsOnProcess));
}

describe('memoisation', () => {
  it('keeps sets that share a frontier and a state apart, even when every hash collides', () => {
    // p3's read of 2 stays pending (the frontier) while p0's and p1's writes of 1
    // are tried. After {p0 w1} nothing works (p1's write must precede p2's write
    // of 2, leaving no 1 for p4's read); after {p1 w1} the order p1 w1, p2 w2,
    // p3 r2, p0 w1, p4 r1 does. Both sets have the frontier p3 and the state 1:
    // a memo that compared only those would prune the second.
    const history = hist(r(3, 2, [0, 100]), w(0, 1, [1, 30]), w(1, 1, [1, 10]), w(2, 2, [15, 18]), r(4, 1, [20, 25]));
    expect(search(history, registerModel, { memoize: true }).result).toBe('linearizable');
    expect(search(history, registerModel, { memoize: true, hashMask: 0 }).result).toBe('linearizable');
    expect(search(history, registerModel, { memoize: false }).result).toBe('linearizable');
  });

  it('decides by the exact (set, state) encoding, not the hash', () => {
    for (let seed = 0; seed < 80; seed++) {
      const history = synthesizeHistory({
        model: 'register', rng: new SeededRng(1000 + seed), ops: 16, processes: 8, values: 2, infoRate: 0.1, maxDurationNs: 500, maxGapNs: 5,
      });
      if (seed % 2 === 1) {
        const read = history.find((e) => e.type === 'ok' && e.f === 'read');
        if (read !== undefined) read.value = read.value === 1 ? 0 : 1;
      }
      const naive = search(history, registerModel, { memoize: false }).result;
      expect(search(history, registerModel, { memoize: true, hashMask: 0x3 }).result).toBe(naive); // 4 buckets
      expect(search(history, registerModel, { memoize: true, hashMask: 0 }).result).toBe(naive); // 1 bucket
    }
  });

  it('gives the same verdicts as the naive search on busy histories, and spends fewer steps', () => {
    let memoSteps = 0;
    let naiveSteps = 0;
    for (let seed = 0; seed < 150; seed++) {
      const history = synthesizeHistory({
        model: 'cas-register', rng: new SeededRng(seed), ops: 14, processes: 7, values: 2, infoRate: 0.15, maxDurationNs: 400, maxGapNs: 10,
      });
      if (seed % 2 === 1) {
        const read = history.find((e) => e.type === 'ok' && e.f === 'read');
        if (read !== undefined) read.value = read.value === 1 ? 0 : 1;
      }
      const memo = checkHistory(history, casRegisterModel);
      const naive = checkHistory(history, casRegisterModel, { memoize: false });
      expect(memo.result).toBe(naive.result);
      memoSteps += memo.steps;
      naiveSteps += naive.steps;
    }
    expect(memoSteps).toBeLessThan(naiveSteps);
  });
});

describe('info operations', () => {
  const writes = [w(0, 1, [0], 'info'), w(1, 1, [0], 'info'), w(2, 1, [0], 'info'), w(3, 2, [0], 'info'), w(4, 2, [0], 'info')];

  it('treats pending info ops with equal inputs as interchangeable without losing answers', () => {
    // reads alternate 1, 2, 1, 2, 1: needs three different 1-writes and two 2-writes
    const reads = [r(5, 1, [10, 11]), r(5, 2, [12, 13]), r(5, 1, [14, 15]), r(5, 2, [16, 17]), r(5, 1, [18, 19])];
    expect(checkHistory(hist(...writes, ...reads), registerModel).result).toBe('linearizable');
    // one more 2 needs a third 2-write: there are only two
    expect(checkHistory(hist(...writes, ...reads, r(5, 2, [20, 21])), registerModel).result).toBe('not-linearizable');
  });

  it('never lets an info op take effect before it was invoked', () => {
    expect(checkHistory(hist(r(0, 5, [0, 1]), cas(1, null, 5, [2, 3], 'info')), casRegisterModel).result).toBe('not-linearizable');
  });

  it('places an invoke that never completed like an info op', () => {
    const never = hist(w(0, 1, [0]), r(1, 1, [5, 6]));
    const result = checkHistory(never, registerModel);
    expect(result.result).toBe('linearizable');
    expect(result.counts.info).toBe(1);
  });
});

describe('pruning', () => {
  it('drops info writes whose value nothing observes, and keeps observed ones', () => {
    const unobserved = checkHistory(hist(w(0, 1, [0, 5]), w(1, 5, [1], 'info'), cas(2, 1, 7, [2, 3], 'info'), r(3, 1, [10, 12])), casRegisterModel);
    expect(unobserved.counts.droppedUnobserved).toBe(2);
    expect(unobserved.partitions[0].ops).toBe(2);
    const observed = checkHistory(hist(w(0, 1, [0, 5]), w(1, 5, [1], 'info'), cas(2, 5, 7, [2, 3], 'info'), r(3, 1, [10, 12])), casRegisterModel);
    // the write of 5 stays (the cas expects 5); the cas itself goes (nothing observes 7)
    expect(observed.counts.droppedUnobserved).toBe(1);
    expect(observed.partitions[0].ops).toBe(3);
  });

  it('keeps every op on kv keys that have appends', () => {
    const history = hist({ p: 0, f: 'put', key: 'k', v: 'a', t: [0] }, { p: 1, f: 'append', key: 'k', v: 'b', t: [1, 2] });
    expect(checkHistory(history, kvModel).counts.droppedUnobserved).toBe(0);
  });
});

describe('failure report', () => {
  it('names the op, the longest prefix, every state tried and the ops still open', () => {
    // Two concurrent writes; a read that can see neither 1 nor 2.
    const history = hist(w(0, 1, [0, 10]), w(1, 2, [0, 10]), r(2, 3, [20, 30]));
    const result = checkHistory(history, registerModel);
    const failure = result.failure!;
    expect(failure.op.process).toBe(2);
    expect(failure.prefix).toHaveLength(2);
    expect(new Set(failure.states)).toEqual(new Set([1, 2]));
    expect(failure.stateDescriptions.sort()).toEqual(['1', '2']);
    expect(failure.message).toMatch(/process 2: read → 3 \(line \d\) cannot be linearized after the 2 operation/);
  });

  it('lists the other ops still open when the failing op had to be placed', () => {
    // after the write, neither read can be placed; p1's returns first, so it is the one reported
    const history = hist(w(0, 1, [0, 10]), r(1, 7, [5, 15]), r(2, 9, [5, 50]));
    const failure = checkHistory(history, registerModel).failure!;
    expect(failure.op.process).toBe(1);
    expect(failure.prefix.map((op) => op.process)).toEqual([0]);
    expect(failure.pending.map((op) => op.process)).toEqual([2]);
  });
});

describe('budget', () => {
  const big = () => synthesizeHistory({ model: 'cas-register', rng: new SeededRng(7), ops: 2000, processes: 10, infoRate: 0.01 });

  it('ends in unknown when the step budget runs out, with the longest prefix so far', () => {
    const result = checkHistory(big(), casRegisterModel, { budget: { maxSteps: 500 } });
    expect(result.result).toBe('unknown');
    expect(result.unknownReason).toBe('steps');
    expect(result.partitions[0].longestPrefix).toBeDefined();
    expect(result.steps).toBeLessThanOrEqual(500);
  });

  it('ends in unknown when the injected clock passes the deadline', () => {
    let nowMs = 0;
    const now = () => (nowMs += 1); // each reading advances 1 ms
    const result = checkHistory(big(), casRegisterModel, { budget: { maxMs: 5, now } });
    expect(result.result).toBe('unknown');
    expect(result.unknownReason).toBe('time');
  });

  it('ends in unknown when the memo grows past its limit', () => {
    const result = checkHistory(big(), casRegisterModel, { budget: { maxMemoEntries: 100 } });
    expect(result.result).toBe('unknown');
    expect(result.unknownReason).toBe('memory');
  });

  it('marks partitions after the budget ran out as not checked, but keeps a violation found before', () => {
    const history = hist(
      { p: 0, f: 'put', key: 'a', v: 1, t: [0, 1] }, { p: 0, f: 'get', key: 'a', out: 2, t: [2, 3] },
      { p: 1, f: 'put', key: 'b', v: 1, t: [0, 1] }, { p: 1, f: 'get', key: 'b', out: 1, t: [2, 3] },
      { p: 2, f: 'put', key: 'c', v: 1, t: [0, 1] }, { p: 2, f: 'get', key: 'c', out: 1, t: [2, 3] },
    );
    // partition a needs 2 steps to fail; b runs out after 1; c is never started
    const result = checkHistory(history, kvModel, { budget: { maxSteps: 3 } });
    expect(result.partitions.map((p) => p.key)).toEqual(['a', 'b', 'c']);
    expect(result.partitions[0].result).toBe('not-linearizable');
    expect(result.partitions[1]).toMatchObject({ result: 'unknown', unknownReason: 'steps' });
    expect(result.partitions[2]).toMatchObject({ result: 'unknown', unknownReason: 'not-checked' });
    expect(result.result).toBe('not-linearizable');
  });

  it('validates the budget with messages naming the API', () => {
    expect(() => checkHistory([], registerModel, { budget: { maxMs: 10 } })).toThrow(/budget.maxMs needs budget.now/);
    expect(() => checkHistory([], registerModel, { budget: { maxSteps: 0 } })).toThrow(/maxSteps must be > 0/);
  });
});
