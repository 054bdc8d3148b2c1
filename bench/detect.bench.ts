/**
 * Failure-detector costs. Every node runs one φ detector per peer and feeds
 * it on every heartbeat, and may ask φ on every tick, so both must be cheap:
 * target ≥ 10 M ops/s, one op = one heartbeat() or one phi().
 * Also: the adaptive timeout's sample() in both modes, and a 100-peer
 * HeartbeatMonitor round.
 */
import { AdaptiveTimeout, HeartbeatMonitor, phi, PhiAccrualDetector } from '../src/detect/index.js';
import { SeededRng } from '../src/core/random/rng.js';
import { formatRate, measureRate, printTable } from './harness.js';
import type { Rate } from './harness.js';

const BATCH = 1_000;
const RATE_MS = 1_000;
const TABLE = 4_096;

export async function run(): Promise<void> {
  const rng = new SeededRng(1);
  // Inter-arrival times around 1 s with ±50 ms jitter, and probe offsets inside one interval.
  const gapsMs = Float64Array.from({ length: TABLE }, () => 950 + rng.next() * 100);
  const probesMs = Float64Array.from({ length: TABLE }, () => rng.next() * 1500);
  let sink = 0;
  const rates: Rate[] = [];

  // Loop state lives in locals and is written back once per batch: a closure
  // variable updated on every iteration costs a context store per op, which
  // would be measured as detector time.
  const hbDetector = new PhiAccrualDetector();
  let tHb = 0;
  let iHb = 0;
  const heartbeatRate = measureRate('PhiAccrualDetector.heartbeat()', BATCH, () => {
    let t = tHb;
    let i = iHb;
    for (let k = 0; k < BATCH; k++) hbDetector.heartbeat((t += gapsMs[i++ & (TABLE - 1)]));
    tHb = t;
    iHb = i;
  }, RATE_MS);
  rates.push(heartbeatRate);

  const phiDetector = new PhiAccrualDetector();
  for (let k = 0, t = 0; k < 2000; k++) phiDetector.heartbeat((t += gapsMs[k & (TABLE - 1)]));
  const lastMs = phiDetector.lastHeartbeatMs!;
  let iPhi = 0;
  const phiRate = measureRate('PhiAccrualDetector.phi()', BATCH, () => {
    let s = 0;
    let i = iPhi;
    for (let k = 0; k < BATCH; k++) s += phiDetector.phi(lastMs + probesMs[i++ & (TABLE - 1)]);
    iPhi = i;
    sink += s;
  }, RATE_MS);
  rates.push(phiRate);

  // The floor for phi(): the formula alone (one exp, one log10), same probes and statistics.
  const meanMs = phiDetector.meanMs;
  const sdMs = phiDetector.stdDeviationMs;
  let iFormula = 0;
  rates.push(
    measureRate('phi(timeDiff, mean, σ) formula alone (floor)', BATCH, () => {
      let s = 0;
      let i = iFormula;
      for (let k = 0; k < BATCH; k++) s += phi(probesMs[i++ & (TABLE - 1)], meanMs, sdMs);
      iFormula = i;
      sink += s;
    }, RATE_MS),
  );

  const mixed = new PhiAccrualDetector();
  let tMix = 0;
  let iMix = 0;
  const combinedRate = measureRate('heartbeat() + phi() (2 ops each)', 2 * BATCH, () => {
    let s = 0;
    let t = tMix;
    let j = iMix;
    for (let k = 0; k < BATCH; k++) {
      const i = j++ & (TABLE - 1);
      mixed.heartbeat((t += gapsMs[i]));
      s += mixed.phi(t + probesMs[i]);
    }
    tMix = t;
    iMix = j;
    sink += s;
  }, RATE_MS);
  rates.push(combinedRate);

  const rto = new AdaptiveTimeout();
  let iRto = 0;
  rates.push(
    measureRate('AdaptiveTimeout rfc6298 sample() + timeoutMs()', BATCH, () => {
      for (let k = 0; k < BATCH; k++) {
        rto.sample(probesMs[iRto++ & (TABLE - 1)] / 10);
        sink += rto.timeoutMs();
      }
    }, RATE_MS),
  );

  const p99 = new AdaptiveTimeout({ mode: 'percentile', windowSize: 1000 });
  let iP = 0;
  rates.push(
    measureRate('AdaptiveTimeout p99 (window 1000) sample() + timeoutMs()', BATCH, () => {
      for (let k = 0; k < BATCH; k++) {
        p99.sample(probesMs[iP++ & (TABLE - 1)] / 10);
        sink += p99.timeoutMs();
      }
    }, RATE_MS),
  );

  const PEERS = 100;
  const monitor = new HeartbeatMonitor();
  const peers = Array.from({ length: PEERS }, (_, i) => `peer-${i}`);
  let tMon = 0;
  rates.push(
    measureRate(`HeartbeatMonitor: ${PEERS} heartbeats + evaluate() (per peer)`, PEERS, () => {
      tMon += 1000;
      for (let i = 0; i < PEERS; i++) monitor.heartbeat(peers[i], tMon + i);
      sink += monitor.evaluate(tMon + PEERS);
    }, RATE_MS),
  );

  printTable(rates.map((r) => ({ operation: r.name, rate: formatRate(r.opsPerSec), 'ns/op': (1e9 / r.opsPerSec).toFixed(1) })));
  const [hb, ph, combined] = [heartbeatRate.opsPerSec, phiRate.opsPerSec, combinedRate.opsPerSec];
  console.log(`target ≥ 10 M ops/s (heartbeat or phi): heartbeat ${formatRate(hb)}, phi ${formatRate(ph)}, combined ${formatRate(combined)} — ${Math.min(hb, ph, combined) >= 10e6 ? 'met' : 'NOT met'}`);
  if (sink === 42) console.log('');
}
