/**
 * clock-drift — a node whose clock runs away, and how it takes itself out
 * before it breaks the bound everyone else relies on (CockroachDB's
 * max-offset check; NTP's falseticker).
 *
 * Five nodes, NTP-disciplined to within a few ms (each declares 5 ms of
 * error), exchange clock-sync samples every second. At 30 s one node's time
 * daemon dies and its oscillator runs 800 ppm fast (within the 1,000 ppm
 * every monitor assumes): its wall clock gains 0.8 ms a second, and after
 * about ten minutes it is more than `maxOffsetMs` (500 ms) ahead of the
 * others — the bound HLC and leases assume. Every node serves ten requests
 * a second.
 *
 * - unsafe: the nodes measure but nobody acts: the drifting node keeps serving.
 * - safe: a node takes itself out of service on `clock-unsafe` (more than
 *   80 % of `maxOffsetMs` from a majority of its peers, certainly).
 *
 * A violation is a request served by a node whose clock is truly more than
 * `maxOffsetMs` from the median of the other nodes' clocks, or a healthy node
 * taking itself out. The table shows, once a minute, the drifting node's own
 * estimate of its offset against the simulator's truth (`sim.clock(node).offsetMs`),
 * and whom a healthy node names as falseticker.
 */
import { Simulation, type Env } from '../../sim/index.js';
import { ClockSyncMonitor, parseClockSyncMessage, type ClockEstimate } from '../../core/time/index.js';
import type { Scenario, ScenarioOptions, ScenarioOutcome, ScenarioReport } from '../scenario.js';

export const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'] as const;
export const MAX_OFFSET_MS = 500;
export const UNSAFE_FRACTION = 0.8;
/** Every monitor's stated bound on oscillator drift. */
export const DRIFT_BOUND_PPM = 1_000;
/** How fast the broken oscillator runs. */
export const RUNAWAY_DRIFT_PPM = 800;
const DAEMON_DIES_AT_MS = 30_000;
const RUN_MS = 720_000;
const SYNC_INTERVAL_MS = 1_000;
const REQUEST_INTERVAL_MS = 100;
const ROW_EVERY_MS = 60_000;
const DECLARED_ERROR_MS = 5;
const NETWORK = { latencyMsMin: 0.3, latencyMsMedian: 1, latencySigma: 0.6, latencyMsMax: 30 } as const;

export interface DriftRow {
  readonly atMs: number;
  /** The drifting node's wall clock minus true time (the simulator's truth). */
  readonly trueOffsetMs: number;
  /** Its own monitor's estimate of that, and the error bound it reports. */
  readonly estimatedOffsetMs: number | null;
  readonly errorMs: number | null;
  /** |estimate − truth| ≤ error. */
  readonly withinBound: boolean;
  /** Falsetickers named by a healthy node's monitor. */
  readonly falsetickers: readonly string[];
  readonly status: string;
  readonly inService: boolean;
}

export interface DriftRun {
  readonly drifting: string;
  readonly observer: string;
  readonly rows: readonly DriftRow[];
  /** Requests served by a node truly more than maxOffsetMs from the others. */
  readonly servedBeyondBound: number;
  /** Healthy nodes that took themselves out. */
  readonly falseExits: number;
  /** When the drifting node took itself out (safe) and its true lead over the others then, ms. */
  readonly outAtMs: number | null;
  readonly leadAtOutMs: number | null;
  /** When the observer first named the drifting node a falseticker. */
  readonly namedFalsetickerAtMs: number | null;
  /** When the drifting node's true lead first exceeded maxOffsetMs. */
  readonly beyondBoundAtMs: number | null;
  readonly traceHash: string;
}

interface NodeState {
  monitor: ClockSyncMonitor;
  inService: boolean;
}

/** The node's lead over the median of the others, from the simulator's true clocks. */
function trueLeadMs(sim: Simulation, node: string): number {
  const others = NODES.filter((n) => n !== node).map((n) => sim.clock(n).offsetMs).sort((a, b) => a - b);
  const median = (others[1] + others[2]) / 2;
  return sim.clock(node).offsetMs - median;
}

export function runClockDrift(seed: number, actOnMonitor: boolean): DriftRun {
  const sim = new Simulation({ seed, network: NETWORK });
  const rng = sim.forkRng();
  const drifting = NODES[rng.int(NODES.length)];
  const observer = NODES.find((n) => n !== drifting)!;
  const states = new Map<string, NodeState>();
  let servedBeyondBound = 0;
  let falseExits = 0;
  let outAtMs: number | null = null;
  let leadAtOutMs: number | null = null;
  let namedFalsetickerAtMs: number | null = null;
  let beyondBoundAtMs: number | null = null;

  for (const name of NODES) {
    sim.host(name, (env: Env) => {
      const monitor = new ClockSyncMonitor({
        clocks: env,
        maxOffsetMs: MAX_OFFSET_MS,
        unsafeFraction: UNSAFE_FRACTION,
        driftPpm: DRIFT_BOUND_PPM,
        selfErrorMs: DECLARED_ERROR_MS,
        maxSampleAgeMs: 3 * SYNC_INTERVAL_MS,
        minPeers: 2,
      });
      const state: NodeState = { monitor, inService: true };
      states.set(name, state);
      monitor.onStatusChange((e) => {
        if (!actOnMonitor) return;
        if (e.type === 'clock-unsafe' && state.inService) {
          state.inService = false;
          if (name === drifting) {
            outAtMs ??= sim.nowMs;
            leadAtOutMs ??= trueLeadMs(sim, name);
          } else {
            falseExits++;
          }
        }
      });
      env.onMessage((from, raw) => {
        const m = parseClockSyncMessage(raw);
        if (m === undefined) return;
        if (m.type === 'clock-sync-request') env.send(from, monitor.respond(m));
        else monitor.receive(from, m);
      });
      const sync = (): void => {
        for (const peer of NODES) if (peer !== name) env.send(peer, monitor.request(peer));
        monitor.check();
        env.setTimer(SYNC_INTERVAL_MS, sync);
      };
      env.setTimer(env.rng.next() * SYNC_INTERVAL_MS, sync);
      const serve = (): void => {
        if (state.inService && Math.abs(trueLeadMs(sim, name)) > MAX_OFFSET_MS) servedBeyondBound++;
        env.setTimer(REQUEST_INTERVAL_MS, serve);
      };
      env.setTimer(REQUEST_INTERVAL_MS, serve);
      return {};
    });
  }
  // NTP keeps the healthy clocks within a few ms of true time (and within what they declare).
  for (const name of NODES) {
    sim.setClockOffset(name, Math.round((rng.next() * 4 - 2) * 1000) / 1000);
    sim.setClockDrift(name, Math.round((rng.next() * 4 - 2) * 1000) / 1000);
  }
  sim.at(DAEMON_DIES_AT_MS, () => sim.setClockDrift(drifting, RUNAWAY_DRIFT_PPM));

  const rows: DriftRow[] = [];
  const snapshot = (): void => {
    const own = states.get(drifting)!.monitor;
    const e: ClockEstimate | undefined = own.estimate();
    const trueOffsetMs = sim.clock(drifting).offsetMs;
    rows.push({
      atMs: sim.nowMs,
      trueOffsetMs,
      estimatedOffsetMs: e?.offsetMs ?? null,
      errorMs: e?.errorMs ?? null,
      withinBound: e !== undefined && Math.abs(e.offsetMs - trueOffsetMs) <= e.errorMs,
      falsetickers: states.get(observer)!.monitor.estimate()?.falsetickers ?? [],
      status: own.check().status,
      inService: states.get(drifting)!.inService,
    });
  };
  const watch = (): void => {
    if (namedFalsetickerAtMs === null && states.get(observer)!.monitor.estimate()?.falsetickers.includes(drifting)) namedFalsetickerAtMs = sim.nowMs;
    if (beyondBoundAtMs === null && Math.abs(trueLeadMs(sim, drifting)) > MAX_OFFSET_MS) beyondBoundAtMs = sim.nowMs;
    sim.after(REQUEST_INTERVAL_MS, watch);
  };
  sim.after(REQUEST_INTERVAL_MS, watch);
  for (let t = ROW_EVERY_MS / 2; t <= RUN_MS; t += ROW_EVERY_MS) sim.at(t, snapshot);
  sim.runUntil(RUN_MS);
  return { drifting, observer, rows, servedBeyondBound, falseExits, outAtMs, leadAtOutMs, namedFalsetickerAtMs, beyondBoundAtMs, traceHash: sim.traceHash };
}

const ms = (x: number | null): string => (x === null ? '—' : `${x.toFixed(1)} ms`);
const min = (x: number | null): string => (x === null ? 'never' : `${(x / 1000).toFixed(1)} s`);

export function formatDriftTable(run: DriftRun): string[] {
  const header = `${'time'.padStart(6)}  ${'true offset'.padStart(12)}  ${'estimate ± error'.padStart(22)}  ${'in bound'.padEnd(8)}  ${`${run.observer} names`.padEnd(10)}  ${'status'.padEnd(7)}  serving`;
  const rows = run.rows.map((r) => {
    const estimate = r.estimatedOffsetMs === null ? '—' : `${r.estimatedOffsetMs.toFixed(1)} ± ${r.errorMs!.toFixed(1)} ms`;
    return `${`${(r.atMs / 1000).toFixed(0)} s`.padStart(6)}  ${ms(r.trueOffsetMs).padStart(12)}  ${estimate.padStart(22)}  ${(r.withinBound ? 'yes' : 'NO').padEnd(8)}  ${(r.falsetickers.join(',') || '—').padEnd(10)}  ${r.status.padEnd(7)}  ${r.inService ? 'yes' : 'no'}`;
  });
  return [header, ...rows];
}

/** The story lines (exported for its test): the table, then what each run showed, every claim read off the numbers. */
export function tellClockDrift(unsafe: DriftRun, safe: DriftRun): string[] {
  const d = safe.drifting;
  const missed = safe.rows.filter((r) => !r.withinBound).length;
  const estimate = missed === 0 ? `${d}'s own estimate stays within its error bound of the truth` : `${d}'s own estimate missed its error bound in ${missed} of ${safe.rows.length} rows`;
  return [
    `Five nodes within a few ms of true time sync every second. At ${DAEMON_DIES_AT_MS / 1000} s ${d}'s time daemon dies and its clock runs ${RUNAWAY_DRIFT_PPM} ppm fast.`,
    `Violation: a request served by a node more than ${MAX_OFFSET_MS} ms from the others (what HLC and leases assume), or a healthy node taking itself out.`,
    ...formatDriftTable(safe),
    `${safe.observer} names ${d} a falseticker from ${min(safe.namedFalsetickerAtMs)} on (its interval no longer contains true time); ${estimate}.`,
    `Without acting on it, ${d} passes ${MAX_OFFSET_MS} ms at ${min(unsafe.beyondBoundAtMs)} and serves ${unsafe.servedBeyondBound} requests beyond the bound.`,
    `With the monitor, ${d} takes itself out at ${min(safe.outAtMs)}, ${ms(safe.leadAtOutMs)} ahead (tolerance ${UNSAFE_FRACTION * MAX_OFFSET_MS} ms): ${safe.servedBeyondBound} requests beyond the bound, ${safe.falseExits} healthy node${safe.falseExits === 1 ? '' : 's'} out.`,
  ];
}

function outcome(run: DriftRun): ScenarioOutcome {
  return {
    violations: run.servedBeyondBound + run.falseExits,
    servedBeyondBound: run.servedBeyondBound,
    falseExits: run.falseExits,
    drifting: run.drifting,
    outAtMs: run.outAtMs,
    leadAtOutMs: run.leadAtOutMs,
    namedFalsetickerAtMs: run.namedFalsetickerAtMs,
    beyondBoundAtMs: run.beyondBoundAtMs,
    estimatesWithinBound: run.rows.filter((r) => r.withinBound).length,
    rows: run.rows,
    traceHash: run.traceHash,
  };
}

export const clockDrift: Scenario = {
  name: 'clock-drift',
  summary: 'a node whose clock drifts away: the monitor’s estimate vs the truth, the falseticker named, the node taking itself out',
  defaultSeed: 1,
  run({ seed }: ScenarioOptions): ScenarioReport {
    const unsafe = runClockDrift(seed, false);
    const safe = runClockDrift(seed, true);
    return { scenario: 'clock-drift', seed, unsafe: outcome(unsafe), safe: outcome(safe), story: tellClockDrift(unsafe, safe) };
  },
};
