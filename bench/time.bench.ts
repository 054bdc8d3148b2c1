/**
 * Clock operation rates. The hybrid clock is on the path of every message, so
 * `now()` and `receive()` must be cheap (target ≥ 5 M ops/s each, with the
 * real `Date.now` as the physical clock). Lamport and vector clocks for context.
 */
import {
  encodeHlc,
  formatHlc,
  HybridLogicalClock,
  LamportClock,
  VectorClock,
} from '../src/core/time/index.js';
import type { HlcTimestamp } from '../src/core/time/index.js';
import { formatRate, measureRate, printTable } from './harness.js';
import type { Rate } from './harness.js';

const BATCH = 1_000;
const RATE_MS = 1_000;

export async function run(): Promise<void> {
  let sink = 0;
  const rates: Rate[] = [];

  rates.push(measureRate('Date.now() (the physical clock itself)', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += Date.now() & 1;
  }, RATE_MS));

  const hlc = new HybridLogicalClock({ now: Date.now, maxOffsetMs: 500 });
  rates.push(measureRate('HLC now()', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += hlc.now().logical & 1;
  }, RATE_MS));

  // Remote stamps from a peer whose clock is a few ms behind or ahead (within the offset bound).
  const peerSkewMs = [-5, -1, 0, 2, 4];
  const remotes: HlcTimestamp[] = Array.from({ length: 1_024 }, (_, i) => ({
    wallMs: Date.now() + peerSkewMs[i % peerSkewMs.length],
    logical: i % 7,
  }));
  const receiver = new HybridLogicalClock({ now: Date.now, maxOffsetMs: 500 });
  let r = 0;
  let batches = 0;
  rates.push(measureRate('HLC receive()', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += receiver.receive(remotes[r++ & 1_023]).logical & 1;
    // Every ~50 batches, refresh the remotes as real time passes so every branch of the rule stays live.
    if (++batches % 50 === 0) {
      const base = Date.now();
      for (let i = 0; i < remotes.length; i++) remotes[i] = { wallMs: base + peerSkewMs[i % 5], logical: i % 7 };
    }
  }, RATE_MS));

  const stamp = hlc.now();
  rates.push(measureRate('encodeHlc() → bigint', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += Number(encodeHlc(stamp) & 1n);
  }, RATE_MS));
  rates.push(measureRate('formatHlc() → 16-char string', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += formatHlc(stamp).length;
  }, RATE_MS));

  const lamport = new LamportClock();
  rates.push(measureRate('Lamport tick()', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += lamport.tick() & 1;
  }, RATE_MS));
  rates.push(measureRate('Lamport receive()', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += lamport.receive(i) & 1;
  }, RATE_MS));

  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  let v = VectorClock.EMPTY;
  for (const n of nodes) v = v.increment(n);
  const w = v.increment('n3').increment('n1');
  rates.push(measureRate('VectorClock increment() (5 nodes)', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += v.increment('n3').size;
  }, RATE_MS));
  rates.push(measureRate('VectorClock merge() (5 nodes)', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += v.merge(w).size;
  }, RATE_MS));
  rates.push(measureRate('VectorClock compare() (5 nodes)', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += v.compare(w).length;
  }, RATE_MS));
  rates.push(measureRate('VectorClock encode() (5 nodes)', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink += v.encode().length;
  }, RATE_MS));

  printTable(
    rates.map((rate) => ({
      operation: rate.name,
      rate: formatRate(rate.opsPerSec),
      target: rate.name.startsWith('HLC') ? (rate.opsPerSec >= 5e6 ? '≥ 5 M/s ✓' : '≥ 5 M/s ✗') : '',
    })),
  );
  if (sink === -1) console.log('');
}
