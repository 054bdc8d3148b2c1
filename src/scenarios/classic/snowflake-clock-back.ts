/**
 * `snowflake-clock-back` — a timestamp + worker + sequence ID generator
 * issues duplicate IDs after the clock steps back (the reading's example:
 * NTP moves a clock back 5 s, and the next record gets a timestamp already
 * used).
 *
 * Workers w1…wk each issue `perMs` IDs per millisecond of their monotonic
 * clock (one timer per ms), in Twitter's layout (41-bit ms since 2024-01-01,
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
const TEXTBOOK_STEP_MS = 5_000;

export function drawSnowflakeParams(seed: number): Params {
  const rng = scenarioRng(seed);
  const count = rng.intBetween(1, 3);
  const workers = Array.from({ length: count }, (_, i) => `w${i + 1}`);
  // One seed in ten steps back the textbook's 5 s; the rest spread from 10 ms to 5 s.
  const backMs = rng.chance(0.1) ? TEXTBOOK_STEP_MS : logUniformMs(rng, 10, TEXTBOOK_STEP_MS, 10);
  return {
    workers,
    stepped: workers[rng.int(count)],
    perMs: rng.intBetween(1, 3),
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
  firstAtMs: number;
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
  // IDs as safe integers relative to the run's first timestamp (ts < 2^24 ms here): cheap to hash.
  const base = BigInt(SCENARIO_EPOCH_MS - DEFAULT_SNOWFLAKE_LAYOUT.epochMs - 60_000) << 22n;
  const seen = new Map<number, number>();
  const lastOf = new Map<NodeId, bigint>();
  const r: VariantResult = {
    violations: 0, duplicates: 0, issued: 0, decreasing: 0, firstDuplicate: undefined, held: 0,
    maxHoldMs: 0, issuedOnLastMs: 0,
  };
  let stepped = false;
  /** The stepped worker's highest timestamp before the step: what SnowflakeGenerator holds on to. */
  let lastTsBeforeStep = -1n;

  sim.client(STORE, (env) => {
    env.onMessage((from, raw) => {
      const ids = raw as bigint[];
      let last = lastOf.get(from) ?? -1n;
      for (const id of ids) {
        r.issued++;
        if (id < last) r.decreasing++;
        last = id;
        const key = Number(id - base);
        if (seen.has(key)) {
          r.duplicates++;
          r.firstDuplicate ??= { id, worker: from, atMs: sim.nowMs, firstAtMs: seen.get(key)! };
        } else {
          seen.set(key, sim.nowMs);
        }
      }
      lastOf.set(from, last);
    });
    return {};
  });

  p.workers.forEach((name, i) => {
    sim.host(name, (env) => worker(env, i + 1, p, mode, {
      trueNowMs: () => sim.nowMs,
      onIssued: (id) => {
        if (name !== p.stepped) return;
        const ts = id >> 22n;
        if (!stepped) lastTsBeforeStep = ts > lastTsBeforeStep ? ts : lastTsBeforeStep;
        else if (ts === lastTsBeforeStep) r.issuedOnLastMs++;
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

function worker(env: Env, workerId: number, p: Params, mode: Mode, hooks: WorkerHooks): object {
  const now = (): number => env.wallNowMs();
  const gen = mode === 'naive' ? new NaiveSnowflake(workerId, now) : new SnowflakeGenerator({ workerId, now, waitMode: 'throw' });
  // True arrival times of requests the generator refused, oldest first (FIFO, bounded).
  const held: number[] = [];
  let heldHead = 0;
  let batch: bigint[] = [];
  let ticks = 0;
  const tick = (): void => {
    for (let i = 0; i < p.perMs; i++) {
      if (held.length - heldHead >= MAX_HELD) throw new Error(`snowflake-clock-back: more than ${MAX_HELD} requests held`);
      held.push(hooks.trueNowMs());
    }
    while (heldHead < held.length) {
      let id: bigint;
      try {
        id = gen.next();
      } catch (error) {
        if (isClockMovedBackwardsError(error) || isSequenceExhaustedError(error)) break; // wait for the clock
        throw error;
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
    if (++ticks % p.batchMs === 0 && batch.length > 0) {
      env.send(STORE, batch);
      batch = [];
    }
    env.setTimer(1, tick);
  };
  tick();
  return {};
}

function tell(p: Params, unsafe: VariantResult, safe: VariantResult): string[] {
  const lines = [
    `${plural(p.workers.length, 'worker')} ${p.workers.length === 1 ? 'issues' : 'issue'} Snowflake IDs (41-bit ms timestamp, 10-bit worker, 12-bit sequence), ${p.perMs} per ms each; ${p.stepped}'s wall clock ran ${formatMs(p.backMs)} ahead until NTP steps it back at ${formatRunTime(p.stepAtMs)}.`,
  ];
  const d = unsafe.firstDuplicate;
  if (d !== undefined) {
    const parts = decodeSnowflake(d.id);
    const firstAt = d.firstAtMs;
    lines.push(
      `timestamp + sequence: ${p.stepped} re-lived ${formatMs(p.backMs)} of timestamps — ${plural(unsafe.duplicates, 'duplicate ID')} of ${formatCount(unsafe.issued)}; the first, ${d.id} (${formatWallClock(parts.timestampMs)}, sequence ${parts.sequence}), reached the store at ${formatRunTime(firstAt)} and again at ${formatRunTime(d.atMs)}; ${plural(unsafe.decreasing, 'ID')} smaller than the one before.`,
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
