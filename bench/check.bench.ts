/**
 * Linearizability checker benchmarks (seeded, deterministic histories):
 *
 * 1. cas-register: 10,000 ops from 10 processes, correct register, 1% info
 *    (target < 1 s);
 * 2. kv: 100,000 ops over 1,000 keys, 10 processes, 1% info (target < 5 s);
 * 3. the same search without memoisation ("naive" WGL), in the same run: on
 *    histories small enough for it to finish (ratio of time and steps), and
 *    on the 10,000-op history under a time budget to show it does not.
 *
 * Peak memory is the process's max RSS (`process.resourceUsage().maxRSS`),
 * read after each case: it is process-wide and only grows, so the first
 * case's number is the fairest.
 */
import { performance } from 'node:perf_hooks';
import { SeededRng } from '../src/core/random/index.js';
import { casRegisterModel, checkOperations, kvModel, pairOperations, synthesizeHistory } from '../src/check/index.js';
import type { CheckResult, Model, Operation, SynthOptions } from '../src/check/index.js';
import { heapUsedMiB, printTable } from './harness.js';

const NAIVE_BUDGET_MS = 10_000;

function ops(options: Omit<SynthOptions, 'rng'>, seed: number): Operation[] {
  return pairOperations(synthesizeHistory({ ...options, rng: new SeededRng(seed) })).ops;
}

function maxRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

interface Timed {
  result: CheckResult;
  ms: number;
}

function timeCheck(history: Operation[], model: Model<unknown>, memoize: boolean, budgetMs?: number): Timed {
  const start = performance.now();
  const result = checkOperations(history, model, {
    memoize,
    budget: budgetMs === undefined ? undefined : { maxMs: budgetMs, now: () => performance.now() },
  });
  return { result, ms: performance.now() - start };
}

/** Best and median of `runs` timed checks (the verdict is the same every run: the search is deterministic). */
function repeat(history: Operation[], model: Model<unknown>, runs: number): { best: Timed; medianMs: number } {
  const all: Timed[] = [];
  for (let i = 0; i < runs; i++) all.push(timeCheck(history, model, true));
  const sorted = [...all].sort((a, b) => a.ms - b.ms);
  return { best: sorted[0], medianMs: sorted[sorted.length >> 1].ms };
}

function row(name: string, n: number, t: { best: Timed; medianMs: number }, target: string) {
  const r = t.best.result;
  return {
    case: name,
    ops: n,
    partitions: r.partitions.length,
    verdict: r.result,
    'best ms': t.best.ms.toFixed(0),
    'median ms': t.medianMs.toFixed(0),
    steps: r.steps,
    'memo entries': r.partitions.reduce((s, p) => s + p.memoEntries, 0),
    'maxRSS MiB': maxRssMiB().toFixed(0),
    target,
  };
}

export async function run(): Promise<void> {
  const heapBefore = heapUsedMiB();
  const cas = ops({ model: 'cas-register', ops: 10_000, processes: 10, infoRate: 0.01 }, 20_240_501);
  const kv = ops({ model: 'kv', ops: 100_000, processes: 10, keys: 1_000, infoRate: 0.01 }, 20_240_502);
  console.log(`generated: cas-register ${cas.length} ops (${cas.filter((o) => o.status === 'info').length} info), kv ${kv.length} ops`);

  const casTimed = repeat(cas, casRegisterModel, 3);
  const casHeap = heapUsedMiB();
  const kvTimed = repeat(kv, kvModel, 3);
  printTable([
    row('cas-register 10 procs 1% info', cas.length, casTimed, '< 1000 ms'),
    row('kv 1,000 keys 10 procs 1% info', kv.length, kvTimed, '< 5000 ms'),
  ]);
  console.log(`heap used: ${heapBefore.toFixed(1)} MiB before, ${casHeap.toFixed(1)} MiB after the cas-register runs (histories held), ${heapUsedMiB().toFixed(1)} MiB at the end`);

  // Memoised vs naive on the same histories, in the same run.
  const rows: Array<Record<string, string | number>> = [];
  for (const n of [200, 400, 800]) {
    const history = ops({ model: 'cas-register', ops: n, processes: 10, infoRate: 0.01 }, 42);
    const memo = timeCheck(history, casRegisterModel, true);
    const naive = timeCheck(history, casRegisterModel, false, NAIVE_BUDGET_MS);
    rows.push({
      history: `cas-register ${n} ops`,
      'memo ms': memo.ms.toFixed(1),
      'naive ms': naive.ms.toFixed(1),
      'naive verdict': naive.result.result,
      'time ratio': (naive.ms / memo.ms).toFixed(1),
      'memo steps': memo.result.steps,
      'naive steps': naive.result.steps,
      'step ratio': (naive.result.steps / memo.result.steps).toFixed(1),
    });
  }
  const naiveBig = timeCheck(cas, casRegisterModel, false, NAIVE_BUDGET_MS);
  rows.push({
    history: `cas-register ${cas.length} ops`,
    'memo ms': casTimed.best.ms.toFixed(1),
    'naive ms': naiveBig.ms.toFixed(1),
    'naive verdict': `${naiveBig.result.result}${naiveBig.result.unknownReason !== undefined ? ` (${naiveBig.result.unknownReason} budget ${NAIVE_BUDGET_MS} ms)` : ''}`,
    'time ratio': `${naiveBig.result.result === 'unknown' ? '> ' : ''}${(naiveBig.ms / casTimed.best.ms).toFixed(1)}`,
    'memo steps': casTimed.best.result.steps,
    'naive steps': naiveBig.result.steps,
    'step ratio': (naiveBig.result.steps / casTimed.best.result.steps).toFixed(1),
  });
  const naiveKv = timeCheck(kv, kvModel, false, NAIVE_BUDGET_MS);
  rows.push({
    history: `kv ${kv.length} ops / 1,000 keys`,
    'memo ms': kvTimed.best.ms.toFixed(1),
    'naive ms': naiveKv.ms.toFixed(1),
    'naive verdict': naiveKv.result.result,
    'time ratio': (naiveKv.ms / kvTimed.best.ms).toFixed(1),
    'memo steps': kvTimed.best.result.steps,
    'naive steps': naiveKv.result.steps,
    'step ratio': (naiveKv.result.steps / kvTimed.best.result.steps).toFixed(1),
  });
  console.log('\nmemoised vs naive (no memo) search, same process, same histories:');
  printTable(rows);

  // Proving a violation: one read made stale in a 10,000-op history.
  console.log('\nviolations (one read near the middle corrupted, so the history is certainly not linearizable):');
  const violations: Array<Record<string, string | number>> = [];
  // The last case is the known hard one: a small value domain (Jepsen's 0..4) with timeouts.
  const cases = [
    { infoRate: 0, values: 0, budgetMs: 20_000 },
    { infoRate: 0.01, values: 0, budgetMs: 20_000 },
    { infoRate: 0.01, values: 5, budgetMs: 5_000 },
  ];
  for (const { infoRate, values, budgetMs } of cases) {
    const history = synthesizeHistory({ model: 'cas-register', rng: new SeededRng(77), ops: 10_000, processes: 10, infoRate, values });
    const paired = pairOperations(history).ops;
    const reads = paired.filter((op) => op.status === 'ok' && op.f === 'read' && op.output !== null);
    const target = reads[reads.length >> 1];
    // unique values: a value overwritten long before the read began; 5 values: one never written
    const earlier = paired.find((op) => op.status === 'ok' && op.f === 'write' && op.returnTime < target.callTime - 200_000);
    history[target.completeLine! - 1].value = values === 0 ? earlier!.value : 99;
    const timed = timeCheck(pairOperations(history).ops, casRegisterModel, true, budgetMs);
    violations.push({
      history: `cas-register 10,000 ops, ${infoRate * 100}% info, ${values === 0 ? 'unique values, stale read' : `${values} values, read of 99`}`,
      budget: `${budgetMs} ms`,
      verdict: timed.result.result,
      ms: timed.ms.toFixed(0),
      steps: timed.result.steps,
      'failing op line': timed.result.failure?.op.invokeLine ?? '-',
      'prefix length': timed.result.failure?.prefix.length ?? '-',
    });
  }
  printTable(violations);
}
