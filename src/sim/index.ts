/**
 * `faultline/sim`: the deterministic simulator. One seed drives virtual
 * time, every node's clocks, disks and randomness, the network, and the
 * nemesis; the same seed and script give a byte-identical trace.
 * See docs/SIMULATOR.md.
 */
export type { Env, NodeFactory, NodeProcess, NodeId, Disk, TimerId } from '../env/index.js';
export { Simulation } from './simulation.js';
export type { SimulationOptions, HostOptions, HistoryOp, OpCounts, ClockReading } from './simulation.js';

export { DEFAULT_NETWORK, quietNetwork } from './network.js';
export type { NetworkOptions } from './network.js';
export { DEFAULT_DISK } from './world.js';
export type { DiskOptions, SimStats } from './world.js';
export { SimDisk, DiskError } from './disk.js';
export type { BitFlip, CrashFileReport, FsyncTicket } from './disk.js';
export { MAX_DRIFT_PPM } from './clock.js';

export { PARTITION_SHAPES, planPartition } from './partitions.js';
export type { PartitionShape, PartitionPlan } from './partitions.js';
export { FAULT_NAMES, parseFaults, formatFaults, drawKnobs, calmKnobs, formatKnobs } from './knobs.js';
export type { FaultName, FaultKnobs, PartitionKnobs, ClockKnobs, PauseKnobs, CrashKnobs, DiskKnobs } from './knobs.js';

export { SimulationError, isSimulationError } from './errors.js';
export type { SimulationErrorCode } from './errors.js';
export { formatTraceTime } from './trace.js';
export type { TraceSink } from './trace.js';

export { registerWorkload, getWorkload, listWorkloads } from './workload.js';
export { ViolationLog } from './violation-log.js';
export type { Workload, WorkloadContext, WorkloadRun, WorkloadResult, Violation } from './workload.js';
export { runSeed, replayCommand, resolveWorkload, DEFAULT_SIM_TIME_MS } from './runner.js';
export type { SeedRunOptions, SeedReport } from './runner.js';
export { parseDuration, formatDuration } from './duration.js';
export { heartbeatWorkload, HEARTBEAT_INTERVAL_MS } from './workloads/heartbeat.js';
