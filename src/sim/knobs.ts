import type { Rng } from '../core/random/rng.js';
import { DEFAULT_NETWORK, type NetworkOptions } from './network.js';
import { PARTITION_SHAPES, type PartitionShape } from './partitions.js';
import { SimulationError } from './errors.js';

/** The fault families, as named on the command line (`--faults loss,clock,…`). */
export const FAULT_NAMES = ['loss', 'delay', 'duplicate', 'reorder', 'partition', 'clock', 'pause', 'crash', 'disk'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** `all`, `none`, or a comma-separated list of fault names (order and repeats ignored). */
export function parseFaults(spec: string): FaultName[] {
  const s = spec.trim();
  if (s === 'all') return [...FAULT_NAMES];
  if (s === 'none' || s === '') return [];
  const chosen = new Set<string>();
  for (const raw of s.split(',')) {
    const name = raw.trim();
    if (!(FAULT_NAMES as readonly string[]).includes(name)) {
      throw new SimulationError('invalid-option', `unknown fault "${name}" (expected all, none or a list of: ${FAULT_NAMES.join(', ')})`);
    }
    chosen.add(name);
  }
  return FAULT_NAMES.filter((f) => chosen.has(f));
}

/** Canonical text for a fault set: `all`, `none`, or the list in catalogue order. */
export function formatFaults(faults: readonly FaultName[]): string {
  const set = new Set(faults);
  if (set.size === FAULT_NAMES.length) return 'all';
  if (set.size === 0) return 'none';
  return FAULT_NAMES.filter((f) => set.has(f)).join(',');
}

export interface PartitionKnobs {
  /** Mean time between partitions (exponential). */
  meanIntervalMs: number;
  durationMsMin: number;
  durationMsMax: number;
  shapes: PartitionShape[];
}

export interface ClockKnobs {
  /** Initial wall-clock offsets are uniform in ±offsetMsMax. */
  offsetMsMax: number;
  /** Drift (both clocks) is uniform in ±driftPpmMax, redrawn now and then. */
  driftPpmMax: number;
  /** Mean time between clock events (a wall step, or a new drift). */
  stepMeanIntervalMs: number;
  /** Wall steps are uniform in (0, stepMsMax]. */
  stepMsMax: number;
  /** Share of steps that go backwards (an NTP correction of a fast clock). */
  backwardProbability: number;
}

export interface PauseKnobs {
  meanIntervalMs: number;
  /** Pauses are log-uniform in [1 ms, durationMsMax]: many short GCs, a few long freezes. */
  durationMsMax: number;
}

export interface CrashKnobs {
  meanIntervalMs: number;
  /** Crash-recovery downtime is log-uniform in [1 ms, downtimeMsMax]. */
  downtimeMsMax: number;
  /** Share of crashes that are crash-stop (the node never returns). */
  crashStopProbability: number;
  /** At most this many hosts crash-stop: a majority is always left to recover. */
  maxCrashStopped: number;
}

export interface DiskKnobs {
  /** Mean time between bit flips in durable data. */
  bitFlipMeanIntervalMs: number;
  /** Probability a crash leaves a torn prefix of the append in flight. */
  tornWriteProbability: number;
  fsyncLatencyMsMax: number;
}

/**
 * Every fault knob for one run. A `null` family is off. Drawn per seed by
 * `drawKnobs` (swarm testing) or written by hand.
 */
export interface FaultKnobs {
  /** 0 (calm) … 1 (brutal): the seed's overall intensity, for the record. */
  intensity: number;
  network: NetworkOptions;
  partition: PartitionKnobs | null;
  clock: ClockKnobs | null;
  pause: PauseKnobs | null;
  crash: CrashKnobs | null;
  disk: DiskKnobs | null;
}

/** No faults at all: a perfect 1 ms network. */
export function calmKnobs(): FaultKnobs {
  return { intensity: 0, network: { ...DEFAULT_NETWORK }, partition: null, clock: null, pause: null, crash: null, disk: null };
}

/** A family enabled on the command line is still off for this share of seeds. */
const FAMILY_OFF_PROBABILITY = 0.2;

/** exp(lerp(ln a, ln b, t)): walks ranges that span orders of magnitude evenly. */
function logLerp(calm: number, brutal: number, t: number): number {
  return Math.exp(Math.log(calm) + (Math.log(brutal) - Math.log(calm)) * t);
}

const round = (x: number, digits: number): number => Number(x.toPrecision(digits));

/**
 * Swarm testing (TigerBeetle's VOPR): each seed draws its own mix — an
 * overall intensity, then per family on/off and a level near that intensity —
 * so some seeds are calm and some brutal, and rare combinations get tried.
 * Families not in `faults` are off. `hostCount` bounds crash-stops.
 */
export function drawKnobs(rng: Rng, faults: readonly FaultName[], hostCount: number): FaultKnobs {
  const on = new Set(faults);
  const intensity = round(rng.next(), 3);
  const levelOf = (name: FaultName): number | null => {
    // Draw for every family in a fixed order, enabled or not, so one family's
    // switch does not shift the others' knobs.
    const off = rng.next() < FAMILY_OFF_PROBABILITY;
    const jitter = rng.next() - 0.5;
    if (!on.has(name) || off) return null;
    return Math.min(1, Math.max(0, intensity + jitter * 0.6));
  };
  const k = calmKnobs();
  k.intensity = intensity;
  const loss = levelOf('loss');
  const delay = levelOf('delay');
  const duplicate = levelOf('duplicate');
  const reorder = levelOf('reorder');
  const partition = levelOf('partition');
  const clock = levelOf('clock');
  const pause = levelOf('pause');
  const crash = levelOf('crash');
  const disk = levelOf('disk');
  const n = k.network;
  if (loss !== null) n.lossProbability = round(logLerp(0.001, 0.3, loss), 3);
  if (duplicate !== null) n.duplicateProbability = round(logLerp(0.001, 0.2, duplicate), 3);
  if (reorder !== null) n.reorderProbability = round(logLerp(0.01, 0.5, reorder), 3);
  if (delay !== null) {
    n.latencyMsMedian = round(logLerp(0.5, 20, delay), 3);
    n.latencyMsMin = round(n.latencyMsMedian * 0.2, 3);
    n.latencySigma = round(0.1 + 1.4 * delay, 3);
    n.latencyTailProbability = round(logLerp(0.001, 0.05, delay), 3);
    n.latencyTailAlpha = round(2.5 - 1.4 * delay, 3);
    n.latencyMsMax = Math.max(n.latencyMsMedian, round(logLerp(50, 3000, delay), 3));
  }
  if (partition !== null) {
    k.partition = {
      meanIntervalMs: round(logLerp(5000, 200, partition), 3),
      durationMsMin: 50,
      durationMsMax: round(logLerp(500, 3000, partition), 3),
      shapes: [...PARTITION_SHAPES],
    };
  }
  if (clock !== null) {
    k.clock = {
      offsetMsMax: round(logLerp(1, 5000, clock), 3),
      driftPpmMax: round(logLerp(1, 500, clock), 3),
      stepMeanIntervalMs: round(logLerp(5000, 200, clock), 3),
      stepMsMax: round(logLerp(1, 2000, clock), 3),
      backwardProbability: 0.5,
    };
  }
  if (pause !== null) {
    k.pause = { meanIntervalMs: round(logLerp(5000, 200, pause), 3), durationMsMax: round(logLerp(50, 3000, pause), 3) };
  }
  if (crash !== null) {
    k.crash = {
      meanIntervalMs: round(logLerp(8000, 300, crash), 3),
      downtimeMsMax: round(logLerp(50, 3000, crash), 3),
      crashStopProbability: 0.1,
      maxCrashStopped: Math.max(0, (hostCount - 1) >> 1),
    };
  }
  if (disk !== null) {
    k.disk = {
      bitFlipMeanIntervalMs: round(logLerp(20000, 500, disk), 3),
      tornWriteProbability: round(0.1 + 0.8 * disk, 3),
      fsyncLatencyMsMax: round(logLerp(0.5, 50, disk), 3),
    };
  }
  return k;
}

const pct = (p: number): string => (p === 0 ? 'off' : `${round(p * 100, 3)}%`);
const dur = (ms: number): string => (ms >= 1000 ? `${round(ms / 1000, 3)}s` : `${round(ms, 3)}ms`);

/** The knobs as a few human lines (printed before a run, like the VOPR). */
export function formatKnobs(k: FaultKnobs): string[] {
  const n = k.network;
  const latency =
    n.latencySigma === 0 && n.latencyTailProbability === 0
      ? `latency ${dur(n.latencyMsMedian)}`
      : `latency ${dur(n.latencyMsMin)}+ median ${dur(n.latencyMsMedian)} σ${n.latencySigma}, tail ${pct(n.latencyTailProbability)} α${n.latencyTailAlpha}, max ${dur(n.latencyMsMax)}`;
  const lines = [
    `intensity ${k.intensity}`,
    `network   loss ${pct(n.lossProbability)}  duplicate ${pct(n.duplicateProbability)}  reorder ${pct(n.reorderProbability)}  ${latency}`,
  ];
  const p = k.partition;
  lines.push(p ? `partition every ~${dur(p.meanIntervalMs)} for ${dur(p.durationMsMin)}–${dur(p.durationMsMax)} (${p.shapes.join(', ')})` : 'partition off');
  const c = k.clock;
  lines.push(
    c
      ? `clock     offset ±${dur(c.offsetMsMax)}  drift ±${c.driftPpmMax}ppm  step every ~${dur(c.stepMeanIntervalMs)} up to ±${dur(c.stepMsMax)} (${pct(c.backwardProbability)} backwards)`
      : 'clock     off',
  );
  const pa = k.pause;
  lines.push(pa ? `pause     every ~${dur(pa.meanIntervalMs)} for 1ms–${dur(pa.durationMsMax)}` : 'pause     off');
  const cr = k.crash;
  lines.push(
    cr
      ? `crash     every ~${dur(cr.meanIntervalMs)} down 1ms–${dur(cr.downtimeMsMax)}, crash-stop ${pct(cr.crashStopProbability)} (at most ${cr.maxCrashStopped})`
      : 'crash     off',
  );
  const d = k.disk;
  lines.push(d ? `disk      bit flip every ~${dur(d.bitFlipMeanIntervalMs)}, torn write ${pct(d.tornWriteProbability)}, fsync ≤ ${dur(d.fsyncLatencyMsMax)}` : 'disk      off');
  return lines;
}
