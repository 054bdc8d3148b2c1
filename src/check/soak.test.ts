/**
 * Long cross-check, off by default: FAULTLINE_SOAK=1 npx vitest run src/check/soak.test.ts
 * (one to two minutes). The memoised search (with info subsumption) must agree
 * with the naive exact search on thousands of busy histories with 30% info
 * and some corrupted results.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import { casRegisterModel, lockModel, pairOperations, registerModel, synthesizeHistory, UNKNOWN } from './index.js';
import type { History, Model, SynthModel } from './index.js';
import { defaultInfoClassKey, searchLinearization } from './search.js';

function search<S>(history: History, model: Model<S>, memoize: boolean) {
  const ops = pairOperations(history)
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
  const budget = { stepsLeft: 5e6, deadline: Infinity, now: undefined, maxMemoEntries: 1e9 };
  return searchLinearization(model, ops, budget, { memoize, maxFailureStates: 2 }, defaultInfoClassKey(model.dependsOnProcess)).result;
}

describe.runIf(process.env.FAULTLINE_SOAK)('soak: memoised search vs naive search', () => {
  it('agree on 6,000 busy histories', () => {
    const kinds: SynthModel[] = ['register', 'cas-register', 'lock'];
    const models = [registerModel, casRegisterModel, lockModel as unknown as Model<unknown>];
    let compared = 0;
    for (let seed = 0; seed < 6000; seed++) {
      const rng = new SeededRng(seed);
      const history = synthesizeHistory({
        model: kinds[seed % 3], rng, ops: 10 + rng.int(10), processes: 3 + rng.int(5), values: 1 + rng.int(3), infoRate: 0.3, maxDurationNs: 300, maxGapNs: 20,
      });
      const results = history.filter((e) => e.type === 'ok' && (e.f === 'read' || e.f === 'acquire'));
      for (let c = rng.int(3); c > 0 && results.length > 0; c--) {
        const e = results[rng.int(results.length)];
        e.value = typeof e.value === 'number' ? (e.value + 1) % 3 : 1;
      }
      const naive = search(history, models[seed % 3], false);
      if (naive === 'unknown') continue;
      expect(search(history, models[seed % 3], true), `seed ${seed}`).toBe(naive);
      compared++;
    }
    expect(compared).toBeGreaterThan(5000);
  }, 600_000); // a minute or two on an idle 2-core machine: beyond the default test timeout
});
