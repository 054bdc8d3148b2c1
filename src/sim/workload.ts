import type { NodeId } from '../env/index.js';
import type { Rng } from '../core/random/rng.js';
import { SimulationError } from './errors.js';
import type { FaultKnobs } from './knobs.js';
import type { OpCounts, Simulation } from './simulation.js';
import { heartbeatWorkload } from './workloads/heartbeat.js';

/** A broken invariant, found by a workload's checks. */
export interface Violation {
  /** Short stable name of the check (`liveness`, `invented-message`, …). */
  kind: string;
  /** One sentence a human can act on. */
  message: string;
}

export interface WorkloadResult {
  violations: Violation[];
  ops: OpCounts;
}

/** What `setup` gets: an empty simulation to populate. */
export interface WorkloadContext {
  sim: Simulation;
  /** Names for the hosts to add, `n1` … `nN`. */
  nodes: NodeId[];
  /** The `--bug` variant to run, if any (one of `Workload.bugs`). */
  bug: string | undefined;
  /** The fault knobs of this run (already drawn; the nemesis starts after setup). */
  knobs: FaultKnobs;
  /** A stream for the workload's own choices. */
  rng: Rng;
}

/** A running workload: told when the quiet phase starts, asked for a verdict at the end. */
export interface WorkloadRun {
  /** Length of the quiet phase it needs after the heal to judge liveness. */
  quietMs: number;
  /** Called right after `healAll()`, at the start of the quiet phase. */
  onQuiet?(): void;
  /** Called at the end of the run. */
  finish(): WorkloadResult;
}

export interface Workload {
  /** kebab-case name used by `faultline sim --workload`. */
  readonly name: string;
  /** One line for listings. */
  readonly summary: string;
  /** Deliberately broken variants (`--bug NAME`) with a one-line description each. */
  readonly bugs?: Readonly<Record<string, string>>;
  /** Fewest hosts it makes sense with. @defaultValue 1 */
  readonly minNodes?: number;
  setup(context: WorkloadContext): WorkloadRun;
}

/** Built-in workloads are always registered; later ones call `registerWorkload`. */
const workloads = new Map<string, Workload>([[heartbeatWorkload.name, heartbeatWorkload]]);

/** Add a workload to the registry (names are unique, kebab-case). */
export function registerWorkload(workload: Workload): void {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(workload.name)) {
    throw new SimulationError('invalid-option', `registerWorkload: name must be kebab-case, got "${workload.name}"`);
  }
  if (workloads.has(workload.name)) throw new SimulationError('invalid-state', `registerWorkload: "${workload.name}" is already registered`);
  workloads.set(workload.name, workload);
}

export function getWorkload(name: string): Workload | undefined {
  return workloads.get(name);
}

/** Every registered workload, sorted by name. */
export function listWorkloads(): Workload[] {
  return [...workloads.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
