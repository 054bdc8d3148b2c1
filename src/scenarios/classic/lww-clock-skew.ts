/**
 * `lww-clock-skew` — last-write-wins on skewed wall clocks silently drops the
 * later write (DDIA ch. 8, "Timestamps for ordering events", told with the
 * reading's numbers: one node's clock 5 s fast, x = 1 then x = 2).
 *
 * Replicas n1…nk keep one version per key and replicate every write to the
 * others. Client A writes x = 1 through one replica; client B reads x = 1
 * through another and increments it (x = 2), strictly later in real time and
 * causally after A's write. Each replica keeps the version with the greater
 * timestamp:
 *  - unsafe: the timestamp is the replica's wall clock (ms) — A's replica runs
 *    ahead, so A's older write carries the larger stamp and wins everywhere;
 *  - safe: the timestamp is a HybridLogicalClock, which merged A's stamp when
 *    A's write was replicated, so B's write is stamped after it.
 * The judge is independent of both: every version carries a VectorClock
 * (Dynamo's version vector, from the client's read context); a write is lost
 * when some replica ends on a version that happened-before it.
 */
import { HybridLogicalClock, VectorClock, compareHlc } from '../../core/time/index.js';
import type { Env, NodeId } from '../../env/index.js';
import { Simulation } from '../../sim/index.js';
import type { Scenario, ScenarioOutcome, ScenarioReport } from '../scenario.js';
import { SCENARIO_EPOCH_MS, formatMs, formatWallClock, pick, scenarioRng } from './common.js';

type Mode = 'lww' | 'hlc';

interface Params {
  replicas: NodeId[];
  /** Replica client A writes through (its clock is ahead) and the one client B uses. */
  viaA: NodeId;
  viaB: NodeId;
  /** Wall-clock offsets: viaA's is `skewMs` ahead of viaB's. */
  offsetAMs: number;
  offsetBMs: number;
  skewMs: number;
  keys: string[];
  /** True time between the starts of two rounds (one key per round). */
  roundGapMs: number;
  /** B re-reads this often until it sees A's write. */
  pollMs: number;
  latencyMsMedian: number;
  latencySigma: number;
}

const KEYS = ['x', 'y', 'z', 'u', 'v', 'w'];
/** Past this much skew the HLC refuses a message (ClockOffsetError) instead of ordering by it; above every drawn skew. */
const HLC_MAX_OFFSET_MS = 60_000;
const LATENCY_MS_MAX = 10;
const ROUND_START_MS = 10;
const SETTLE_MS = 200;

export function drawLwwParams(seed: number): Params {
  const rng = scenarioRng(seed);
  const count = rng.intBetween(3, 5);
  const replicas = Array.from({ length: count }, (_, i) => `n${i + 1}`);
  const a = rng.int(count);
  let b = rng.int(count - 1);
  if (b >= a) b++;
  const skewMs = 100 * rng.intBetween(1, 100); // 0.1 s … 10 s
  // Either A's replica is fast and B's correct (the textbook), or the skew is split between them.
  const offsetAMs = rng.chance(0.5) ? skewMs : Math.round(skewMs * rng.next());
  return {
    replicas,
    viaA: replicas[a],
    viaB: replicas[b],
    offsetAMs,
    offsetBMs: offsetAMs - skewMs,
    skewMs,
    keys: KEYS.slice(0, rng.intBetween(2, KEYS.length)),
    roundGapMs: rng.intBetween(20, 200),
    pollMs: rng.intBetween(1, 5),
    latencyMsMedian: 1 + rng.int(4),
    latencySigma: pick(rng, [0, 0.3, 0.6, 0.9]),
  };
}

interface Stamp {
  /** Wall ms (lww) or the HLC's wall part. */
  wallMs: number;
  /** HLC logical counter (0 for lww). */
  logical: number;
  /** Replica that stamped it: ties go to the larger name, so every replica picks the same winner. */
  node: NodeId;
}

interface Version {
  readonly value: number;
  readonly stamp: Stamp;
  /** Causal history, for the judge (never used to pick a winner). */
  readonly vv: VectorClock;
  readonly writer: 'A' | 'B';
}

type Message =
  | { type: 'write'; key: string; value: number; context: VectorClock; writer: 'A' | 'B' }
  | { type: 'read'; key: string }
  | { type: 'read-ok'; key: string; version: Version | undefined }
  | { type: 'write-ok'; key: string }
  | { type: 'replicate'; key: string; version: Version };

function newer(a: Stamp, b: Stamp): boolean {
  const byTime = compareHlc(a, b);
  return byTime !== 0 ? byTime > 0 : a.node > b.node;
}

interface RoundRecord {
  key: string;
  a?: Version;
  b?: Version;
  /** True times the replicas stamped each write. */
  aAtMs?: number;
  bAtMs?: number;
}

interface VariantResult extends ScenarioOutcome {
  lostWrites: number;
  increments: number;
  /** Per key: the value each replica ended on (equal on all: the replicas converge). */
  finalValues: Record<string, number[]>;
  rounds: RoundRecord[];
}

function runVariant(p: Params, seed: number, mode: Mode): VariantResult {
  const sim = new Simulation({
    seed,
    epochMs: SCENARIO_EPOCH_MS,
    network: { latencyMsMin: 0.5, latencyMsMedian: p.latencyMsMedian, latencySigma: p.latencySigma, latencyMsMax: LATENCY_MS_MAX },
  });
  const stores = new Map<NodeId, Map<string, Version>>();
  const rounds: RoundRecord[] = p.keys.map((key) => ({ key }));
  const roundOf = new Map(rounds.map((r) => [r.key, r]));

  for (const name of p.replicas) {
    sim.host(name, (env) => replica(env, p.replicas, mode, stores, (key, version) => {
      const round = roundOf.get(key)!;
      if (version.writer === 'A') [round.a, round.aAtMs] = [version, sim.nowMs];
      else [round.b, round.bAtMs] = [version, sim.nowMs];
    }));
  }
  sim.setClockOffset(p.viaA, p.offsetAMs);
  sim.setClockOffset(p.viaB, p.offsetBMs);

  sim.client('A', (env) => {
    p.keys.forEach((key, r) => {
      env.setTimer(ROUND_START_MS + r * p.roundGapMs, () => env.send(p.viaA, { type: 'write', key, value: 1, context: VectorClock.EMPTY, writer: 'A' }));
    });
    return {};
  });
  sim.client('B', (env) => {
    // B reads through its replica until it sees A's write, then increments what it read.
    env.onMessage((_from, raw) => {
      const m = raw as Message;
      if (m.type !== 'read-ok') return;
      if (m.version === undefined) {
        env.setTimer(p.pollMs, () => env.send(p.viaB, { type: 'read', key: m.key }));
        return;
      }
      env.send(p.viaB, { type: 'write', key: m.key, value: m.version.value + 1, context: m.version.vv, writer: 'B' });
    });
    p.keys.forEach((key, r) => env.setTimer(ROUND_START_MS + r * p.roundGapMs, () => env.send(p.viaB, { type: 'read', key })));
    return {};
  });

  sim.runFor(ROUND_START_MS + p.keys.length * p.roundGapMs + SETTLE_MS);
  return judge(p, stores, rounds);
}

/** One replica: applies writes and replicated versions by the timestamp rule of `mode`. */
function replica(
  env: Env,
  replicas: readonly NodeId[],
  mode: Mode,
  stores: Map<NodeId, Map<string, Version>>,
  onStamped: (key: string, version: Version) => void,
): object {
  const me = env.nodeId;
  const store = new Map<string, Version>();
  stores.set(me, store);
  const hlc = new HybridLogicalClock({ now: () => env.wallNowMs(), maxOffsetMs: HLC_MAX_OFFSET_MS });
  const stampNow = (): Stamp => {
    if (mode === 'lww') return { wallMs: Math.floor(env.wallNowMs()), logical: 0, node: me };
    const t = hlc.now();
    return { wallMs: t.wallMs, logical: t.logical, node: me };
  };
  const apply = (key: string, version: Version): void => {
    const current = store.get(key);
    // The write with the greater timestamp wins; the other is dropped without a word.
    if (current === undefined || newer(version.stamp, current.stamp)) store.set(key, version);
  };
  env.onMessage((from, raw) => {
    const m = raw as Message;
    switch (m.type) {
      case 'write': {
        const version: Version = { value: m.value, stamp: stampNow(), vv: m.context.increment(me), writer: m.writer };
        onStamped(m.key, version);
        apply(m.key, version);
        env.send(from, { type: 'write-ok', key: m.key }); // "ok" — whether or not the write survived the rule
        for (const peer of replicas) if (peer !== me) env.send(peer, { type: 'replicate', key: m.key, version });
        return;
      }
      case 'replicate':
        if (mode === 'hlc') hlc.receive(m.version.stamp);
        apply(m.key, m.version);
        return;
      case 'read':
        env.send(from, { type: 'read-ok', key: m.key, version: store.get(m.key) });
        return;
      default:
        return;
    }
  });
  return {};
}

/** A write is lost when some replica ended on a version that happened-before it. */
function judge(p: Params, stores: Map<NodeId, Map<string, Version>>, rounds: RoundRecord[]): VariantResult {
  let lostWrites = 0;
  let increments = 0;
  const finalValues: Record<string, number[]> = {};
  for (const round of rounds) {
    if (round.a === undefined || round.b === undefined) throw new Error(`lww-clock-skew: invariant violated: round ${round.key} did not complete`);
    increments++;
    const finals = p.replicas.map((r) => stores.get(r)!.get(round.key));
    finalValues[round.key] = finals.map((v) => v?.value ?? 0);
    const written = [round.a, round.b];
    const lost = written.some((w) => finals.some((f) => f === undefined || w.vv.compare(f.vv) === 'after'));
    if (lost) lostWrites++;
  }
  return { violations: lostWrites, lostWrites, increments, finalValues, rounds };
}

function stampText(s: Stamp, mode: Mode): string {
  return mode === 'lww' ? formatWallClock(s.wallMs) : `${formatWallClock(s.wallMs)} +${s.logical}`;
}

function tell(p: Params, unsafe: VariantResult, safe: VariantResult): string[] {
  const n = p.replicas.length;
  const r = unsafe.rounds[0];
  const a = r.a!;
  const b = r.b!;
  const realGapMs = r.bAtMs! - r.aAtMs!;
  const clockGapMs = b.stamp.wallMs - a.stamp.wallMs;
  const x = r.key;
  const unsafeFinal = unsafe.finalValues[x];
  const safeFinal = safe.finalValues[x];
  const sb = safe.rounds[0].b!;
  return [
    `${p.viaA}'s wall clock runs ${formatMs(p.skewMs)} ahead of ${p.viaB}'s; ${n} replicas keep, per key, the write with the latest timestamp.`,
    `key ${x}: client A writes ${x} = ${a.value} via ${p.viaA}, stamped ${stampText(a.stamp, 'lww')}; client B reads ${x} = ${a.value} via ${p.viaB} and increments it: ${x} = ${b.value} via ${p.viaB}, stamped ${stampText(b.stamp, 'lww')} — ${formatMs(realGapMs)} later in real time, ${formatMs(-clockGapMs)} earlier by the clocks.`,
    `last write wins: ${describeFinal(x, unsafeFinal)} — B's increment was acknowledged and silently dropped; ${unsafe.lostWrites} of ${unsafe.increments} increments lost.`,
    `vector clocks flag it: B's write ${vectorText(b.vv)} happened after A's ${vectorText(a.vv)}, yet A's won.`,
    `hybrid logical clock: ${p.viaB} had merged A's stamp when A's write reached it, so B's write is stamped ${stampText(sb.stamp, 'hlc')}, after A's; ${describeFinal(x, safeFinal)}: ${safe.lostWrites} of ${safe.increments} increments lost.`,
  ];
}

function vectorText(vv: VectorClock): string {
  return `{${vv.entries().map(([node, n]) => `${node}:${n}`).join(', ')}}`;
}

function describeFinal(key: string, values: number[]): string {
  const same = values.every((v) => v === values[0]);
  return same ? `${key} = ${values[0]} on all ${values.length} replicas` : `${key} = ${values.join(' / ')} on the ${values.length} replicas`;
}

export const lwwClockSkew: Scenario = {
  name: 'lww-clock-skew',
  summary: 'last-write-wins on skewed wall clocks silently drops the later write; a hybrid logical clock keeps it',
  /** The textbook run (see the module comment). */
  defaultSeed: 123,
  run({ seed }): ScenarioReport {
    const p = drawLwwParams(seed);
    const unsafe = runVariant(p, seed, 'lww');
    const safe = runVariant(p, seed, 'hlc');
    const outcome = (v: VariantResult, clock: string): ScenarioOutcome => ({
      violations: v.violations,
      lostWrites: v.lostWrites,
      increments: v.increments,
      ordering: clock,
      finalValues: v.finalValues,
    });
    return {
      scenario: 'lww-clock-skew',
      seed,
      unsafe: { ...outcome(unsafe, 'wall clock'), skewMs: p.skewMs },
      safe: { ...outcome(safe, 'hybrid logical clock'), skewMs: p.skewMs },
      story: tell(p, unsafe, safe),
    };
  },
};
