/**
 * Snowflake throughput against @sapphire/snowflake in the same run.
 *
 * With the real clock the ceiling is the layout itself: 4,096 IDs per ms per
 * worker (12 sequence bits) ≈ 4.1 M/s. A correct generator waits for the next
 * millisecond when the sequence runs out; one that does not (the peer wraps
 * its counter) is faster only by issuing duplicates, which the window check
 * below counts.
 */
import { performance } from 'node:perf_hooks';
import { Snowflake } from '@sapphire/snowflake';
import { DEFAULT_SNOWFLAKE_EPOCH_MS, SnowflakeGenerator } from '../src/core/ids/index.js';
import { formatRate, measureRate, printTable } from './harness.js';

const CAP_PER_SEC = 4_096 * 1_000;
const BATCH = 1_000;
const RATE_MS = 1_500;
const WINDOW_MS = 200;

interface WindowResult {
  ids: number;
  duplicates: number;
  decreases: number;
  ratePerSec: number;
}

/** Generate for a fixed window into a typed array (cheap, so it does not slow the generator), then check. */
function window(next: () => bigint): WindowResult {
  const capacity = 8_000_000;
  const ids = new BigUint64Array(capacity);
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < WINDOW_MS && n + BATCH <= capacity) {
    for (let i = 0; i < BATCH; i++) ids[n++] = next();
    now = performance.now();
  }
  const seconds = (now - start) / 1_000;
  let decreases = 0;
  for (let i = 1; i < n; i++) if (ids[i] <= ids[i - 1]) decreases++;
  const sorted = ids.subarray(0, n).sort();
  let duplicates = 0;
  for (let i = 1; i < n; i++) if (sorted[i] === sorted[i - 1]) duplicates++;
  return { ids: n, duplicates, decreases, ratePerSec: n / seconds };
}

export async function run(): Promise<void> {
  const epoch = DEFAULT_SNOWFLAKE_EPOCH_MS;
  let sink = 0n;

  const ours = new SnowflakeGenerator({ workerId: 1, now: Date.now });
  const peer = new Snowflake(epoch);

  const oursRate = measureRate('faultline SnowflakeGenerator (Date.now)', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink ^= ours.next();
  }, RATE_MS);
  const peerRate = measureRate('@sapphire/snowflake generate()', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink ^= peer.generate();
  }, RATE_MS);
  const oursString = measureRate('faultline nextString() (Date.now)', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink ^= BigInt(ours.nextString().length);
  }, RATE_MS);

  // The generator's own cost, without the per-ms cap: a fake clock that
  // advances one ms every 4,096 readings (one reading per ID).
  let reads = 0;
  const uncapped = new SnowflakeGenerator({ workerId: 1, now: () => epoch + 1_000 + Math.floor(reads++ / 4_096) });
  const uncappedRate = measureRate('faultline next() (fake clock, no cap)', BATCH, () => {
    for (let i = 0; i < BATCH; i++) sink ^= uncapped.next();
  }, RATE_MS);

  const oursWindow = window(() => ours.next());
  const peerWindow = window(() => peer.generate());

  printTable([
    ...[oursRate, peerRate, oursString, uncappedRate].map((r) => ({
      generator: r.name,
      rate: formatRate(r.opsPerSec),
      'vs 4,096/ms cap': `${((100 * r.opsPerSec) / CAP_PER_SEC).toFixed(1)}%${r === peerRate ? ' (no cap: wraps)' : ''}`,
    })),
  ]);
  console.log('');
  printTable([
    { generator: 'faultline SnowflakeGenerator', ...describeWindow(oursWindow) },
    { generator: '@sapphire/snowflake', ...describeWindow(peerWindow) },
  ]);
  console.log(
    `\nratio faultline / sapphire (IDs/s): ${(oursRate.opsPerSec / peerRate.opsPerSec).toFixed(2)}; ` +
      `faultline at ${((100 * oursRate.opsPerSec) / CAP_PER_SEC).toFixed(1)}% of the 4,096/ms cap (target ≥ 95%)`,
  );
  if (sink === 42n) console.log('');
}

function describeWindow(w: WindowResult): Record<string, string | number> {
  return {
    [`IDs in ${WINDOW_MS} ms`]: w.ids,
    rate: formatRate(w.ratePerSec),
    duplicates: w.duplicates,
    'not increasing': w.decreases,
  };
}
