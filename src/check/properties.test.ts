import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import { bruteForceLinearizable } from './__fixtures__/oracle.js';
import {
  casRegisterModel, checkHistory, checkOperations, formatJepsenEdnHistory, formatJsonlHistory, kvModel, lockModel, pairOperations,
  parseJepsenEdnHistory, parseJsonlHistory, registerModel, synthesizeHistory, uniqueIdsModel,
} from './index.js';
import type { History, HistoryEvent, Model, SynthModel } from './index.js';

const MODELS: Record<SynthModel, Model<unknown>> = {
  register: registerModel,
  'cas-register': casRegisterModel,
  kv: kvModel,
  lock: lockModel as unknown as Model<unknown>,
  'unique-ids': uniqueIdsModel as unknown as Model<unknown>,
};

describe('histories of a correct system are linearizable', () => {
  for (const model of Object.keys(MODELS) as SynthModel[]) {
    it(`${model}: random concurrency, effects at random points inside each interval, some info`, () => {
      fc.assert(
        fc.property(
          fc.integer(),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 0, max: 80 }),
          fc.constantFrom(0, 0.05, 0.2),
          fc.integer({ min: 0, max: 4 }),
          (seed, processes, ops, infoRate, values) => {
            const history = synthesizeHistory({
              model, rng: new SeededRng(seed), ops, processes, infoRate: model === 'lock' ? infoRate / 4 : infoRate, values, keys: 3,
              maxDurationNs: 50, maxGapNs: 20, // small times: many ties, which must count as concurrent
            });
            const result = checkHistory(history, MODELS[model]);
            expect(result.result, result.failure?.message).toBe('linearizable');
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});

/** Make one read return a value that two completed writes ago was overwritten. */
function injectStaleRead(history: History): History | undefined {
  const { ops } = pairOperations(history);
  const writes = ops.filter((op) => op.status === 'ok' && (op.f === 'write' || op.f === 'cas'));
  const newValue = (op: (typeof ops)[number]) => (op.f === 'cas' ? (op.value as unknown[])[1] : op.value);
  for (const read of ops) {
    if (read.status !== 'ok' || read.f !== 'read') continue;
    for (const newer of writes) {
      if (!(newer.returnTime < read.callTime)) continue;
      const older = writes.find((op) => op.returnTime < newer.callTime && newValue(op) !== newValue(newer));
      if (older === undefined) continue;
      const copy = history.map((e) => ({ ...e }));
      copy[read.completeLine! - 1].value = newValue(older);
      return copy;
    }
  }
  return undefined;
}

describe('a stale read is caught', () => {
  for (const model of ['register', 'cas-register'] as const) {
    it(`${model}: unique values, one read made stale`, () => {
      let injected = 0;
      fc.assert(
        fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 10, max: 120 }), (seed, processes, ops) => {
          const history = synthesizeHistory({ model, rng: new SeededRng(seed), ops, processes, values: 0, infoRate: 0.05 });
          const stale = injectStaleRead(history);
          if (stale === undefined) return;
          injected++;
          const result = checkHistory(stale, MODELS[model]);
          expect(result.result).toBe('not-linearizable');
          expect(result.failure).toBeDefined();
        }),
        { numRuns: 80 },
      );
      expect(injected).toBeGreaterThan(20);
    });
  }
});

/** Small arbitrary (mostly non-linearizable) histories for the oracle comparison. */
function arbitraryHistory(kind: 'register' | 'cas-register' | 'lock'): fc.Arbitrary<History> {
  const f = kind === 'register' ? fc.constantFrom('read', 'write') : kind === 'lock' ? fc.constantFrom('acquire', 'release') : fc.constantFrom('read', 'write', 'cas');
  const small = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 }));
  const op = fc.record({
    process: fc.integer({ min: 0, max: 5 }),
    f,
    arg: small,
    casArg: fc.tuple(small, small),
    output: small,
    start: fc.integer({ min: 0, max: 12 }),
    length: fc.integer({ min: 0, max: 14 }),
    type: fc.constantFrom('ok', 'ok', 'ok', 'info', 'fail', 'never'),
  });
  return fc.array(op, { minLength: 1, maxLength: 8 }).map((specs) => {
    const events: Array<HistoryEvent & { seq: number }> = [];
    const busyUntil = new Map<number, number>();
    specs.forEach((s, i) => {
      // one outstanding op per process: start after this process's previous op ended
      const start = Math.max(s.start, (busyUntil.get(s.process) ?? -1) + 1);
      const end = start + s.length;
      if (busyUntil.get(s.process) === Infinity) return;
      busyUntil.set(s.process, s.type === 'never' || s.type === 'info' ? Infinity : end);
      const value = s.f === 'cas' ? s.casArg : s.f === 'write' ? s.arg : null;
      events.push({ process: s.process, type: 'invoke', f: s.f, value, time: start, seq: i * 2 });
      if (s.type === 'never') return;
      const out = s.f === 'read' || s.f === 'acquire' ? s.output : value;
      events.push({ process: s.process, type: s.type as 'ok' | 'info' | 'fail', f: s.f, value: s.type === 'ok' ? out : value, time: end, seq: i * 2 + 1 });
    });
    events.sort((a, b) => a.time! - b.time! || a.seq - b.seq);
    return events.map(({ seq: _seq, ...e }) => e);
  });
}

describe('the search agrees with brute force on small arbitrary histories', () => {
  for (const kind of ['register', 'cas-register', 'lock'] as const) {
    it(`${kind}`, () => {
      let linearizable = 0;
      let violations = 0;
      fc.assert(
        fc.property(arbitraryHistory(kind), (history) => {
          const { ops } = pairOperations(history);
          const model = MODELS[kind];
          const expected = bruteForceLinearizable(ops, model);
          const result = checkOperations(ops, model);
          expect(result.result).toBe(expected ? 'linearizable' : 'not-linearizable');
          expect(checkOperations(ops, model, { memoize: false }).result).toBe(result.result);
          if (expected) linearizable++;
          else violations++;
          if (result.result === 'linearizable' && result.linearization !== undefined) {
            // the linearization itself must replay through the model and respect real time
            const byId = new Map(ops.map((op) => [op.id, op]));
            let state = model.init();
            const order = result.linearization.map((id) => byId.get(id)!);
            order.forEach((op, i) => {
              const step = model.step(state, { f: op.f, value: op.value, process: op.process }, op.status === 'ok' ? op.output : Symbol.for('faultline.check.unknown'));
              expect(step.ok).toBe(true);
              state = step.state;
              for (const later of order.slice(i + 1)) expect(later.returnTime < op.callTime).toBe(false);
            });
          }
        }),
        { numRuns: 400 },
      );
      expect(linearizable).toBeGreaterThan(20);
      expect(violations).toBeGreaterThan(20);
    });
  }
});

describe('pruning unobserved info writes never changes the verdict', () => {
  for (const kind of ['register', 'cas-register'] as const) {
    it(kind, () => {
      const unpruned = { ...MODELS[kind], prune: undefined };
      let droppedSome = 0;
      fc.assert(
        fc.property(arbitraryHistory(kind), (history) => {
          const { ops } = pairOperations(history);
          const result = checkOperations(ops, MODELS[kind]);
          if (result.counts.droppedUnobserved > 0) droppedSome++;
          expect(result.result).toBe(checkOperations(ops, unpruned).result);
        }),
        { numRuns: 400 },
      );
      expect(droppedSome).toBeGreaterThan(10);
    });
  }
});

describe('formats round-trip', () => {
  it('JSONL and EDN give back the same events and the same verdict', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom<SynthModel>('cas-register', 'kv', 'lock'), (seed, model) => {
        const history = synthesizeHistory({ model, rng: new SeededRng(seed), ops: 40, processes: 3, infoRate: 0.1, keys: 2 });
        const fromJsonl = parseJsonlHistory(formatJsonlHistory(history));
        const fromEdn = parseJepsenEdnHistory(formatJepsenEdnHistory(history), { independent: false });
        const strip = (h: History) => h.map(({ line: _line, ...e }) => e);
        expect(strip(fromJsonl)).toEqual(history);
        expect(strip(fromEdn)).toEqual(history);
        if (model === 'kv') {
          const tuples = parseJepsenEdnHistory(formatJepsenEdnHistory(history, { keys: 'tuple' }), { independent: true });
          expect(strip(tuples)).toEqual(history);
        }
        expect(checkHistory(fromEdn, MODELS[model]).result).toBe(checkHistory(fromJsonl, MODELS[model]).result);
      }),
      { numRuns: 40 },
    );
  });
});
