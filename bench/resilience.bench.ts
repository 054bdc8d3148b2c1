/**
 * Per-call overhead of the resilience wrappers on the success path, against
 * cockatiel in the same run: retry (no failures) and circuit breaker
 * execute, each wrapping an async no-op, plus calling the no-op directly.
 * Rounds are interleaved (ours, cockatiel, ours, …) and the median is kept,
 * since the machine is noisy.
 */
import { performance } from 'node:perf_hooks';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  retry as cockatielRetry,
} from 'cockatiel';
import { CircuitBreaker, ConsecutiveFailurePolicy, RetryPolicy, retry } from '../src/core/resilience/index.js';
import { systemRng, systemTimekeeper } from '../src/node/clock.js';
import { printTable } from './harness.js';

const CALLS_PER_SAMPLE = 20_000;
const ROUNDS = 7;

async function nsPerCall(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < CALLS_PER_SAMPLE; i++) await call();
  return ((performance.now() - start) * 1e6) / CALLS_PER_SAMPLE;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export async function run(): Promise<void> {
  const noop = async (): Promise<number> => 1;

  const ourRetry = new RetryPolicy({ timekeeper: systemTimekeeper, rng: systemRng, maxAttempts: 3 });
  const theirRetry = cockatielRetry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
  const ourBreaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(5), openDurationMs: 10_000, clock: systemTimekeeper });
  const theirBreaker = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
  const oneShotOptions = { timekeeper: systemTimekeeper, rng: systemRng, maxAttempts: 3 };

  const cases: Array<[string, () => Promise<unknown>]> = [
    ['direct await fn() (baseline)', noop],
    ['faultline RetryPolicy.execute', () => ourRetry.execute(noop)],
    ['cockatiel retry(...).execute', () => theirRetry.execute(noop)],
    ['faultline retry(fn, options) one-shot', () => retry(noop, oneShotOptions)],
    ['faultline CircuitBreaker.execute', () => ourBreaker.execute(noop)],
    ['cockatiel circuitBreaker(...).execute', () => theirBreaker.execute(noop)],
  ];
  const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (const [, call] of cases) await nsPerCall(call); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, call] of r % 2 === 0 ? cases : [...cases].reverse()) samples.get(name)!.push(await nsPerCall(call));
  }
  const ns = new Map([...samples].map(([name, xs]) => [name, median(xs)]));
  const base = ns.get('direct await fn() (baseline)')!;
  printTable(
    cases.map(([name]) => ({
      call: name,
      'ns/call': ns.get(name)!.toFixed(0),
      'overhead ns': (ns.get(name)! - base).toFixed(0),
    })),
  );
  const ratio = (a: string, b: string): string => (ns.get(a)! / ns.get(b)!).toFixed(2);
  console.log(`retry:   faultline/cockatiel = ${ratio('faultline RetryPolicy.execute', 'cockatiel retry(...).execute')} (ns/call ratio, lower is faster)`);
  console.log(`breaker: faultline/cockatiel = ${ratio('faultline CircuitBreaker.execute', 'cockatiel circuitBreaker(...).execute')}`);
  console.log(`(median of ${ROUNDS} interleaved rounds × ${CALLS_PER_SAMPLE} sequential awaited calls)`);
}
