/**
 * `snowflake-clock-back` — a timestamp + worker + sequence ID generator
 * issues duplicate IDs after the clock steps back (the reading's example:
 * NTP moves a clock back 5 s, and the next record gets a timestamp already
 * used).
 *
 * Workers w1…wk issue IDs — the one whose clock will step `perMs` per
 * millisecond of its monotonic clock (a 1 ms timer), the others one every
 * 10 ms as background traffic — in Twitter's layout (41-bit ms since 2024-01-01,
 * 10-bit worker, 12-bit sequence), and ship them to an `ids` store in
 * batches. One worker's wall clock had run `backMs` ahead; NTP steps it back.
 *  - unsafe: the classic generator (sequence restarts at 0 whenever the
 *    timestamp differs from the last one) re-issues the IDs of the last
 *    `backMs` of timestamps;
 *  - safe: `SnowflakeGenerator` (`waitMode: 'throw'`, as under any event
 *    loop) keeps issuing on its last millisecond while the sequence lasts,
 *    then refuses (ClockMovedBackwardsError / SequenceExhaustedError) and the
 *    worker holds those requests until the clock catches up.
 * The judge is the store: an ID it has already seen is a duplicate.
 */
import {
  DEFAULT_SNOWFLAKE_LAYOUT,
  SnowflakeGenerator,
  decodeSnowflake,
  isClockMovedBackwardsError,
  isSequenceExhaustedError,
} from '../../core/ids/index.js';
import type { Env, NodeId } from '../../env/index.js';
import { Simulation } from '../../sim/index.js';
import type { Scenario, ScenarioOutcome, ScenarioReport } from '../scenario.js';
import { SCENARIO_EPOCH_MS, formatCount, formatMs, formatRunTime, formatWallClock, logUniformMs, plural, scenarioRng } from './common.js';

type Mode = 'naive' | 'snowflake';

interface Params {
  workers: NodeId[];
  /** The worker whose clock steps back. */
  stepped: NodeId;
  perMs: number;
  backMs: number;
  stepAtMs: number;
  /** IDs travel to the store every this many ms. */
  batchMs: number;
  driftPpm: number;
}

const STORE = 'ids';
/** Requests a worker holds at most while its generator refuses; more are failed (bounded queues). */
const MAX_HELD = 100_000;
const AFTER_CATCH_UP_MS = 100;
/** Workers whose clock does not step add background traffic: one ID every 10 ms (they cannot repeat an ID). */
const OTHER_PERIOD_MS = 10;
const TEXTBOOK_STEP_MS = 5_000;

export function drawSnowflakeParams(seed: number): Params {
  const rng = scenarioRng(seed);
  const count = rng.intBetween(1, 3);
  const workers = Array.from({ length: count }, (_, i) => `w${i + 1}`);
  // One seed in twenty steps back the textbook's 5 s; the rest spread from 10 ms to 1 s.
  const backMs = rng.chance(0.05) ? TEXTBOOK_STEP_MS : logUniformMs(rng, 10, 1_000);
  return {
    workers,
    stepped: workers[rng.int(count)],
    perMs: rng.intBetween(1, 2),
    backMs,
    // The worker must have issued IDs for at least `backMs` before the step, or there is nothing to repeat.
    stepAtMs: backMs + 10 * rng.intBetween(10, 50),
    batchMs: rng.intBetween(1, 10),
    driftPpm: rng.intBetween(-100, 100),
  };
}

/** The textbook generator: no memory of time beyond the last timestamp. */
class NaiveSnowflake {
  readonly #now: () => number;
  readonly #worker: bigint;
  #lastTs = -1;
  #seq = 0;

  constructor(workerId: number, now: () => number) {
    this.#worker = BigInt(workerId);
    this.#now = now;
  }

  next(): bigint {
    const ts = Math.floor(this.#now()) - DEFAULT_SNOWFLAKE_LAYOUT.epochMs;
    if (ts === this.#lastTs) {
      this.#seq = (this.#seq + 1) & 0xfff;
      if (this.#seq === 0) throw new Error('NaiveSnowflake: sequence exhausted');
    } else {
      this.#seq = 0; // a new millisecond — or an old one again, after a step back
    }
    this.#lastTs = ts;
    return (BigInt(ts) << 22n) | (this.#worker << 12n) | BigInt(this.#seq);
  }
}

interface Duplicate {
  id: bigint;
  worker: NodeId;
  atMs: number;
}

/**
 * The store's memory of every ID, by (timestamp, worker): a bitmask of the
 * sequences below 30 (all the textbook generator ever uses at these rates)
 * and a set for the rest. Keys and masks stay small integers, so a run of
 * 100 000 IDs costs little to remember.
 */
class SeenIds {
  readonly #baseTs: number;
  readonly #low = new Map<number, number>();
  readonly #high = new Map<number, Set<number>>();

  /** @param baseTs a timestamp (ms since the Snowflake epoch) at or before every ID's */
  constructor(baseTs: number) {
    this.#baseTs = baseTs;
  }

  /** Remember `id`; false when it was seen before. */
  add(id: bigint): boolean {
    const tsRel = Number(id >> 22n) - this.#baseTs;
    const key = tsRel * 1024 + Number((id >> 12n) & 0x3ffn);
    const seq = Number(id & 0xfffn);
    if (!(tsRel >= 0 && tsRel < 0x10_0000)) throw new Error(`snowflake-clock-back: invariant violated: ID ${id} outside the run`);
    if (seq < 30) {
      const mask = this.#low.get(key) ?? 0;
      const bit = 1 << seq;
      if ((mask & bit) !== 0) return false;
      this.#low.set(key, mask | bit);
      return true;
    }
    let set = this.#high.get(key);
    if (set === undefined) this.#high.set(key, (set = new Set()));
    if (set.has(seq)) return false;
    set.add(seq);
    return true;
  }
}

interface VariantResult extends ScenarioOutcome {
  duplicates: number;
  issued: number;
  /** Consecutive IDs of one worker that went down. */
  decreasing: number;
  firstDuplicate: Duplicate | undefined;
  /** Requests a worker had to hold, and the longest hold (true ms). */
  held: number;
  maxHoldMs: number;
  /** IDs issued by the stepped worker between the step and its first refusal. */
  issuedOnLastMs: number;
}

function runVariant(p: Params, seed: number, mode: Mode): VariantResult {
  const sim = new Simulation({ seed, epochMs: SCENARIO_EPOCH_MS });
  // Every timestamp of the run is within a minute of virtual 0 (clocks run ahead by at most 5 s).
  const seen = new SeenIds(SCENARIO_EPOCH_MS - DEFAULT_SNOWFLAKE_LAYOUT.epochMs - 60_000);
  const lastOf = new Map<NodeId, bigint>();
  const r: VariantResult = {
    violations: 0, duplicates: 0, issued: 0, decreasing: 0, firstDuplicate: undefined, held: 0,
    maxHoldMs: 0, issuedOnLastMs: 0,
  };
  let stepped = false;
  /** The stepped worker's last ID before the step, and the range of IDs on that ID's millisecond. */
  let lastIdBeforeStep = -1n;
  let lastMsFrom = 0n;
  let lastMsTo = 0n;

  sim.client(STORE, (env) => {
    env.onMessage((from, raw) => {
      const ids = raw as bigint[];
      let last = lastOf.get(from) ?? -1n;
      for (const id of ids) {
        r.issued++;
        if (id < last) r.decreasing++;
        last = id;
        if (!seen.add(id)) {
          r.duplicates++;
          r.firstDuplicate ??= { id, worker: from, atMs: sim.nowMs };
        }
      }
      lastOf.set(from, last);
    });
    return {};
  });

  p.workers.forEach((name, i) => {
    const isStepped = name === p.stepped;
    sim.host(name, (env) => worker(env, i + 1, mode, isStepped ? { periodMs: 1, perTick: p.perMs } : { periodMs: OTHER_PERIOD_MS, perTick: 1 }, p.batchMs, {
      trueNowMs: () => sim.nowMs,
      onIssued: (id) => {
        if (!isStepped) return;
        if (!stepped) lastIdBeforeStep = id;
        else if (id >= lastMsFrom && id < lastMsTo) r.issuedOnLastMs++;
      },
      onHeld: (waitedMs) => {
        r.held++;
        r.maxHoldMs = Math.max(r.maxHoldMs, waitedMs);
      },
    }));
    sim.setClockDrift(name, i === 0 ? p.driftPpm : -p.driftPpm);
  });
  sim.setClockOffset(p.stepped, p.backMs); // it had run ahead…
  sim.at(p.stepAtMs, () => {
    stepped = true;
    lastMsFrom = (lastIdBeforeStep >> 22n) << 22n;
    lastMsTo = lastMsFrom + (1n << 22n);
    sim.stepClock(p.stepped, -p.backMs); // …and NTP corrects it
  });
  sim.runFor(p.stepAtMs + p.backMs + AFTER_CATCH_UP_MS);
  r.violations = r.duplicates;
  return r;
}

interface WorkerHooks {
  trueNowMs: () => number;
  onIssued: (id: bigint) => void;
  /** A held request finally got its ID after `waitedMs` of true time. */
  onHeld: (waitedMs: number) => void;
}

/** Issues `perTick` IDs every `periodMs` of its monotonic clock; ships them every `batchMs`. */
function worker(env: Env, workerId: number, mode: Mode, rate: { periodMs: number; perTick: number }, batchMs: number, hooks: WorkerHooks): object {
  const { periodMs, perTick } = rate;
  const now = (): number => env.wallNowMs();
  const gen = mode === 'naive' ? new NaiveSnowflake(workerId, now) : new SnowflakeGenerator({ workerId, now, waitMode: 'throw' });
  // True arrival times of requests the generator refused, oldest first (FIFO, bounded).
  const held: number[] = [];
  let heldHead = 0;
  let batch: bigint[] = [];
  let ticks = 0;
  /** After a refusal, the wall time (ms) the generator can issue again: until then requests just queue. */
  let retryAtWallMs = -Infinity;
  const tick = (): void => {
    for (let i = 0; i < perTick; i++) {
      if (held.length - heldHead >= MAX_HELD) throw new Error(`snowflake-clock-back: more than ${MAX_HELD} requests held`);
      held.push(hooks.trueNowMs());
    }
    while (heldHead < held.length && env.wallNowMs() >= retryAtWallMs) {
      let id: bigint;
      try {
        id = gen.next();
      } catch (error) {
        // Wait for the clock, as the errors say: past the last issued millisecond, or to retryAtMs.
        if (isClockMovedBackwardsError(error)) retryAtWallMs = error.lastTimestampMs + 1;
        else if (isSequenceExhaustedError(error)) retryAtWallMs = error.retryAtMs;
        else throw error;
        break;
      }
      const arrivedAtMs = held[heldHead++];
      const waitedMs = hooks.trueNowMs() - arrivedAtMs;
      if (waitedMs > 0) hooks.onHeld(waitedMs);
      hooks.onIssued(id);
      batch.push(id);
    }
    if (heldHead === held.length) {
      held.length = 0;
      heldHead = 0;
    }
    if (++ticks % Math.ceil(batchMs / periodMs) === 0 && batch.length > 0) {
      env.send(STORE, batch);
      batch = [];
    }
    env.setTimer(periodMs, tick);
  };
  tick();
  return {};
}

function tell(p: Params, unsafe: VariantResult, safe: VariantResult): string[] {
  const lines = [
    `${plural(p.workers.length, 'worker')} ${p.workers.length === 1 ? 'issues' : 'issue'} Snowflake IDs (41-bit ms timestamp, 10-bit worker, 12-bit sequence); ${p.stepped} issues ${p.perMs} per ms, and its wall clock ran ${formatMs(p.backMs)} ahead until NTP steps it back at ${formatRunTime(p.stepAtMs)}.`,
  ];
  const d = unsafe.firstDuplicate;
  if (d !== undefined) {
    const parts = decodeSnowflake(d.id);
    lines.push(
      `timestamp + sequence: ${p.stepped} re-lived ${formatMs(p.backMs)} of timestamps — ${plural(unsafe.duplicates, 'duplicate ID')} of ${formatCount(unsafe.issued)}; the first, ${d.id} (${formatWallClock(parts.timestampMs)}, sequence ${parts.sequence}), came again at ${formatRunTime(d.atMs)}; ${plural(unsafe.decreasing, 'ID')} smaller than the one before.`,
    );
  } else {
    lines.push(`timestamp + sequence: no duplicate on this seed (${formatCount(unsafe.issued)} IDs).`);
  }
  const waited =
    safe.held > 0
      ? `then refused while the clock was behind, so ${plural(safe.held, 'request')} waited, up to ${formatMs(safe.maxHoldMs)}, for it to catch up`
      : 'which covered the whole step, so no request waited';
  lines.push(
    `SnowflakeGenerator: ${plural(safe.duplicates, 'duplicate')} of ${formatCount(safe.issued)}, ${plural(safe.decreasing, 'decreasing ID')}; after the step it kept issuing on its last millisecond (${plural(safe.issuedOnLastMs, 'more ID')}), ${waited}.`,
  );
  return lines;
}

export const snowflakeClockBack: Scenario = {
  name: 'snowflake-clock-back',
  summary: 'a naive timestamp+sequence ID generator repeats IDs after a clock step back; SnowflakeGenerator does not',
  /** The textbook run (see the module comment). */
  defaultSeed: 65,
  run({ seed }): ScenarioReport {
    const p = drawSnowflakeParams(seed);
    const unsafe = runVariant(p, seed, 'naive');
    const safe = runVariant(p, seed, 'snowflake');
    const outcome = (v: VariantResult, generator: string): ScenarioOutcome => ({
      violations: v.violations,
      duplicateIds: v.duplicates,
      issuedIds: v.issued,
      decreasingIds: v.decreasing,
      heldRequests: v.held,
      maxHoldMs: Math.round(v.maxHoldMs),
      generator,
      stepBackMs: p.backMs,
    });
    return {
      scenario: 'snowflake-clock-back',
      seed,
      unsafe: outcome(unsafe, 'timestamp + sequence'),
      safe: outcome(safe, 'SnowflakeGenerator'),
      story: tell(p, unsafe, safe),
    };
  },
};
