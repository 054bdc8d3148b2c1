import { availableParallelism } from 'node:os';
import {
  DEFAULT_SIM_TIME_MS,
  formatDuration,
  formatFaults,
  parseDuration,
  parseFaults,
  resolveWorkload,
  type FaultName,
} from '../../sim/index.js';

/** The raw strings commander hands over. */
export interface SimCliFlags {
  workload?: string;
  nodes?: string;
  seed?: string;
  seeds?: string;
  faults?: string;
  simTime?: string;
  json?: boolean;
  trace?: string;
  bug?: string;
  workers?: string;
  list?: boolean;
}

/** Validated options for one `faultline sim` invocation. */
export interface SimCommandOptions {
  workload: string;
  nodes: number;
  seeds: number[];
  faults: FaultName[];
  simTimeMs: number;
  json: boolean;
  trace: string | undefined;
  bug: string | undefined;
  workers: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const MAX_SEEDS = 10_000_000;

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer between ${min} and ${max}, got "${text}"`);
  }
  return value;
}

/** Check every flag; throws `UsageError` with one sentence naming the flag. */
export function parseSimFlags(flags: SimCliFlags): SimCommandOptions {
  if (flags.workload === undefined) throw new UsageError('--workload is required (try --list)');
  const nodes = integer('--nodes', flags.nodes ?? '5', 1, 1000);
  if (flags.seed !== undefined && flags.seeds !== undefined) throw new UsageError('give either --seed or --seeds, not both');
  let seeds: number[];
  if (flags.seed !== undefined) {
    seeds = [integer('--seed', flags.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)];
  } else if (flags.seeds !== undefined) {
    const count = integer('--seeds', flags.seeds, 1, MAX_SEEDS);
    seeds = Array.from({ length: count }, (_, i) => i + 1);
  } else {
    throw new UsageError('give --seed S (one run) or --seeds K (seeds 1..K)');
  }
  if (flags.trace !== undefined && seeds.length !== 1) throw new UsageError('--trace needs a single --seed');
  let faults: FaultName[];
  let simTimeMs: number;
  try {
    faults = parseFaults(flags.faults ?? 'all');
    simTimeMs = flags.simTime === undefined ? DEFAULT_SIM_TIME_MS : parseDuration(flags.simTime);
    resolveWorkload({ workload: flags.workload, nodes, bug: flags.bug });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const workers = flags.workers === undefined ? availableParallelism() : integer('--workers', flags.workers, 1, 256);
  return {
    workload: flags.workload,
    nodes,
    seeds,
    faults,
    simTimeMs,
    json: flags.json === true,
    trace: flags.trace,
    bug: flags.bug,
    workers: Math.max(1, Math.min(workers, seeds.length)),
  };
}

/** One line describing the run (for the text report header). */
export function describeRun(o: SimCommandOptions): string {
  const seeds = o.seeds.length === 1 ? `seed ${o.seeds[0]}` : `seeds 1..${o.seeds.length}`;
  const bug = o.bug === undefined ? '' : `, bug ${o.bug}`;
  const workers = o.seeds.length > 1 ? `, ${o.workers} worker${o.workers === 1 ? '' : 's'}` : '';
  return `workload ${o.workload}, ${o.nodes} nodes, ${seeds}, faults ${formatFaults(o.faults)}, sim-time ${formatDuration(o.simTimeMs)}${bug}${workers}`;
}
