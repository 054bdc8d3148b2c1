/**
 * ReplicaOptions → the settings the replica runs with: defaults filled,
 * every number validated (the error names the option), and the known-bad
 * `bugs` translated into the testing hooks of the layer each one breaks.
 */
import type { RaftTestingBugs, StorageTestingBugs } from '../raft/index.js';
import type { ServiceTestingBugs } from '../services/index.js';
import type { ReplicaBug, ReplicaOptions } from './api.js';

export const REPLICA_BUGS: readonly ReplicaBug[] = ['no-fencing', 'stale-read', 'forget-vote', 'commit-without-majority', 'no-fsync'];

export interface ReplicaSettings {
  readonly tickIntervalMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Top of the randomized election timeout: 2 · electionTicks · tickIntervalMs (what the lease TTL floor derives from). */
  readonly electionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly forwardToLeader: boolean;
  readonly readMode: 'read-index' | 'lease';
  readonly maxClockDriftRate: number;
  readonly maxInflightRequests: number;
  readonly snapshotEveryEntries: number;
  /** A linearizable read unanswered this long asks again (a ReadIndex message may be lost). */
  readonly readRetryMs: number;
  readonly copies: number;
  readonly segmentBytesMax: number;
  readonly scrubIntervalMs: number;
  readonly registerMessageHandler: boolean;
  /** Several Readies in flight (RaftConfig.asyncStorageWrites). */
  readonly asyncStorageWrites: boolean;
  /** Reads are served from local state, without ReadIndex (the `stale-read` bug). */
  readonly staleReads: boolean;
  readonly raftBugs: RaftTestingBugs;
  readonly storageBugs: StorageTestingBugs;
  readonly serviceBugs: ServiceTestingBugs;
}

const API = 'createReplica';

function int(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${API}: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

export function resolveReplicaSettings(options: ReplicaOptions): ReplicaSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${API}: options must be an object`);
  if (typeof options.env !== 'object' || options.env === null) throw new TypeError(`${API}: env is required`);
  if (!Array.isArray(options.voters)) throw new TypeError(`${API}: voters must be an array of node ids`);
  const tickIntervalMs = int('tickIntervalMs', options.tickIntervalMs, 10, 1);
  const electionTicks = int('electionTicks', options.electionTicks, 10, 2);
  const heartbeatTicks = int('heartbeatTicks', options.heartbeatTicks, 1, 1);
  if (heartbeatTicks >= electionTicks) throw new RangeError(`${API}: heartbeatTicks (${heartbeatTicks}) must be < electionTicks (${electionTicks})`);
  const readMode = options.readMode ?? 'read-index';
  if (readMode !== 'read-index' && readMode !== 'lease') throw new RangeError(`${API}: readMode must be 'read-index' or 'lease', got ${String(readMode)}`);
  const maxClockDriftRate = options.maxClockDriftRate ?? 0.01;
  if (!(maxClockDriftRate >= 0 && maxClockDriftRate < 1)) throw new RangeError(`${API}: maxClockDriftRate must be in [0, 1), got ${maxClockDriftRate}`);
  const bugs = new Set<ReplicaBug>(options.bugs ?? []);
  for (const b of bugs) if (!REPLICA_BUGS.includes(b)) throw new RangeError(`${API}: unknown bug "${String(b)}" (known: ${REPLICA_BUGS.join(', ')})`);
  const storage = options.storage ?? {};
  return {
    tickIntervalMs,
    electionTicks,
    heartbeatTicks,
    electionTimeoutMs: 2 * electionTicks * tickIntervalMs,
    requestTimeoutMs: int('requestTimeoutMs', options.requestTimeoutMs, 2000, 1),
    forwardToLeader: options.forwardToLeader ?? true,
    readMode,
    maxClockDriftRate,
    maxInflightRequests: int('maxInflightRequests', options.maxInflightRequests, 1024, 1),
    snapshotEveryEntries: int('snapshotEveryEntries', options.snapshotEveryEntries, 10_000, 1),
    readRetryMs: 2 * electionTicks * tickIntervalMs,
    copies: int('storage.copies', storage.copies, 2, 1),
    segmentBytesMax: int('storage.segmentBytesMax', storage.segmentBytesMax, 64 * 1024 * 1024, 4096),
    scrubIntervalMs: int('storage.scrubIntervalMs', storage.scrubIntervalMs, 60_000, 0),
    registerMessageHandler: options.registerMessageHandler ?? true,
    asyncStorageWrites: options.asyncStorageWrites ?? true,
    staleReads: bugs.has('stale-read'),
    raftBugs: bugs.has('commit-without-majority') ? { commitWithoutMajority: true } : {},
    storageBugs: { ...(bugs.has('forget-vote') ? { forgetVote: true } : {}), ...(bugs.has('no-fsync') ? { skipFsync: true } : {}) },
    serviceBugs: bugs.has('no-fencing') ? { skipFencing: true } : {},
  };
}
