import type { NodeId } from '../env/index.js';
import { formatDuration } from './duration.js';
import { isSimulationError, SimulationError } from './errors.js';
import { drawKnobs, formatFaults, type FaultKnobs, type FaultName, FAULT_NAMES } from './knobs.js';
import { Simulation, type OpCounts } from './simulation.js';
import type { TraceSink } from './trace.js';
import { getWorkload, type Violation, type Workload } from './workload.js';
import type { SimStats } from './world.js';

export const DEFAULT_SIM_TIME_MS = 10_000;

export interface SeedRunOptions {
  workload: string;
  /** Number of hosts, named n1 … nN. */
  nodes: number;
  seed: number;
  /** Fault families the nemesis may draw. @defaultValue every family */
  faults?: readonly FaultName[];
  /** Length of the fault phase; the workload's quiet phase follows. @defaultValue 10 s */
  simTimeMs?: number;
  bug?: string;
  trace?: TraceSink;
  /** Use these knobs instead of drawing them from the seed. */
  knobs?: FaultKnobs;
}

export interface SeedReport {
  seed: number;
  knobs: FaultKnobs;
  violations: Violation[];
  ops: OpCounts;
  /** Fault phase + quiet phase, in virtual ms. */
  simulatedMs: number;
  traceHash: string;
  events: number;
  stats: SimStats;
  /** The command that replays this run. */
  replay: string;
}

/** Checks workload, bug and node count; throws `invalid-option` naming the problem. */
export function resolveWorkload(options: Pick<SeedRunOptions, 'workload' | 'nodes' | 'bug'>): Workload {
  const workload = getWorkload(options.workload);
  if (workload === undefined) throw new SimulationError('invalid-option', `unknown workload "${options.workload}"`);
  const bugs = workload.bugs ?? {};
  if (options.bug !== undefined && !Object.prototype.hasOwnProperty.call(bugs, options.bug)) {
    const known = Object.keys(bugs);
    throw new SimulationError(
      'invalid-option',
      `workload "${workload.name}" has no bug "${options.bug}" (${known.length === 0 ? 'it declares none' : `known: ${known.join(', ')}`})`,
    );
  }
  const min = workload.minNodes ?? 1;
  if (!Number.isSafeInteger(options.nodes) || options.nodes < min || options.nodes > 1000) {
    throw new SimulationError('invalid-option', `workload "${workload.name}" needs --nodes between ${min} and 1000, got ${options.nodes}`);
  }
  return workload;
}

/** `faultline sim …` that reproduces the run; defaults are left out. */
export function replayCommand(options: Omit<SeedRunOptions, 'trace' | 'knobs'>): string {
  const parts = ['faultline sim', `--workload ${options.workload}`, `--nodes ${options.nodes}`, `--seed ${options.seed}`];
  const faults = formatFaults(options.faults ?? FAULT_NAMES);
  if (faults !== 'all') parts.push(`--faults ${faults}`);
  const simTimeMs = options.simTimeMs ?? DEFAULT_SIM_TIME_MS;
  if (simTimeMs !== DEFAULT_SIM_TIME_MS) parts.push(`--sim-time ${formatDuration(simTimeMs)}`);
  if (options.bug !== undefined) parts.push(`--bug ${options.bug}`);
  return parts.join(' ');
}

/**
 * One seed, VOPR style: draw the knobs, let the workload populate the
 * simulation, run the fault phase with the random nemesis, heal everything,
 * run the workload's quiet phase, then collect its verdict. An exception
 * thrown inside the simulation is reported as a violation, not thrown.
 */
export function runSeed(options: SeedRunOptions): SeedReport {
  const workload = resolveWorkload(options);
  const faults = options.faults ?? FAULT_NAMES;
  const simTimeMs = options.simTimeMs ?? DEFAULT_SIM_TIME_MS;
  if (!(simTimeMs > 0) || !Number.isFinite(simTimeMs)) throw new SimulationError('invalid-option', `runSeed: simTimeMs must be > 0, got ${simTimeMs}`);
  const sim = new Simulation({ seed: options.seed, trace: options.trace });
  const knobs = options.knobs ?? drawKnobs(sim.forkRng(), faults, options.nodes);
  const nodes: NodeId[] = [];
  for (let i = 1; i <= options.nodes; i++) nodes.push(`n${i}`);
  sim.note(`run workload=${workload.name} nodes=${options.nodes} seed=${options.seed} faults=${formatFaults(faults)}${options.bug ? ` bug=${options.bug}` : ''}`);
  const violations: Violation[] = [];
  let ops: OpCounts = { ok: 0, fail: 0, info: 0 };
  try {
    const run = workload.setup({ sim, nodes, bug: options.bug, knobs, rng: sim.forkRng() });
    sim.startNemesis(knobs);
    sim.runFor(simTimeMs);
    sim.healAll();
    sim.note('phase quiet');
    run.onQuiet?.();
    sim.runFor(run.quietMs);
    const result = run.finish();
    violations.push(...result.violations);
    ops = result.ops;
  } catch (error) {
    const message = isSimulationError(error) || error instanceof Error ? error.message : String(error);
    violations.push({ kind: 'exception', message });
  }
  return {
    seed: options.seed,
    knobs,
    violations,
    ops,
    simulatedMs: sim.nowMs,
    traceHash: sim.traceHash,
    events: sim.eventCount,
    stats: { ...sim.stats },
    replay: replayCommand({ ...options, faults, simTimeMs }),
  };
}
