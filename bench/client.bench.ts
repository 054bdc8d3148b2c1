/**
 * faultline/client's own CPU per write, without HTTP: 64 concurrent callers
 * putting through an in-memory cluster (the client tests' FakeCluster behind
 * the `HttpTransport`, the real Node timekeeper), against the same requests
 * sent to that transport directly — the fake's own cost, the baseline. The
 * difference is what a put pays in the client: session seq and
 * Idempotency-Key, the retry policy, deadline and per-attempt timeout, the
 * endpoint's circuit breaker and adaptive timeout, JSON and validation.
 * CPU time (not wall time: the fake answers through 0 ms timers); rounds
 * interleaved, medians kept.
 */
import { FakeCluster } from '../src/client/__fixtures__/fake-cluster.js';
import { createClientWithRuntime } from '../src/client/client.js';
import type { FaultlineClient } from '../src/client/index.js';
import { SeededRng } from '../src/core/random/index.js';
import { systemTimekeeper } from '../src/node/clock.js';
import { printTable } from './harness.js';

const CALLERS = 64;
const MS_PER_SAMPLE = 1500;
const ROUNDS = 5;
const VALUE = 'v'.repeat(128);
const ENDPOINTS = ['http://n1.invalid:1', 'http://n2.invalid:2', 'http://n3.invalid:3'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** µs of this process's CPU per call, `CALLERS` callers calling `call` back to back for MS_PER_SAMPLE. */
async function usPerCall(cluster: FakeCluster, call: (caller: number, n: number) => Promise<unknown>): Promise<number> {
  const endMs = performance.now() + MS_PER_SAMPLE;
  let calls = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, c) => {
      for (let n = 0; performance.now() < endMs; n++) {
        await call(c, n);
        calls++;
        if (cluster.requests.length > 10_000) cluster.requests.length = 0; // the fake records every request
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / calls;
}

export async function run(): Promise<void> {
  const cluster = new FakeCluster({ endpoints: ENDPOINTS, timekeeper: systemTimekeeper, latencyMs: 0 });
  const clients: FaultlineClient[] = Array.from({ length: CALLERS }, (_, i) =>
    createClientWithRuntime({ endpoints: ENDPOINTS }, { transport: cluster.transport, timekeeper: systemTimekeeper, rng: new SeededRng(i + 1) }),
  );
  const key = (c: number, n: number): string => `bench-${(c * 7919 + n) % 1000}`;
  // The baseline measures the transport, not a controller per call: one never-aborted signal per caller.
  const signals = Array.from({ length: CALLERS }, () => new AbortController().signal);
  const body = JSON.stringify({ value: VALUE });
  const cases: Array<[string, (c: number, n: number) => Promise<unknown>]> = [
    [
      'transport.request(PUT) directly (baseline)',
      (c, n) =>
        cluster.transport.request({
          method: 'PUT',
          url: `${ENDPOINTS[0]}/v1/kv/${key(c, n)}`,
          headers: { 'content-type': 'application/json' },
          body,
          signal: signals[c],
        }),
    ],
    ['client.kv.put (session, Idempotency-Key, retry, deadline, breaker)', (c, n) => clients[c].kv.put(key(c, n), VALUE)],
  ];
  const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (const [, call] of cases) await usPerCall(cluster, call); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, call] of r % 2 === 0 ? cases : [...cases].reverse()) samples.get(name)!.push(await usPerCall(cluster, call));
  }
  for (const c of clients) c.close();
  const us = new Map([...samples].map(([name, xs]) => [name, median(xs)]));
  const base = us.get(cases[0][0])!;
  console.log(`${CALLERS} concurrent callers, ${ROUNDS} interleaved rounds of ${MS_PER_SAMPLE} ms, median CPU per call`);
  printTable(
    cases.map(([name]) => ({
      call: name,
      'µs CPU per call': us.get(name)!.toFixed(1),
      'client cost (µs, minus baseline)': name === cases[0][0] ? '—' : (us.get(name)! - base).toFixed(1),
      'ratio to baseline': (us.get(name)! / base).toFixed(2),
    })),
  );
}
