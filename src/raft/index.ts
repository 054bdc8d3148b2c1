/**
 * faultline/raft: a sans-I/O Raft (etcd RawNode style) with pre-vote,
 * check-quorum, pipelined replication, snapshots, batched ReadIndex and
 * lease reads, leadership transfer, single-server membership changes,
 * a checksummed segmented WAL, and cluster-wide safety invariants.
 */
export { RaftNode } from './node.js';
export { resolveConfig } from './config.js';
export { applyConfChange } from './conf-change.js';
export { validateMessage, MESSAGE_LIMITS } from './validate.js';
export { RaftClusterInvariants, entriesEqual } from './invariants.js';
export { isFromLeader, MESSAGE_TYPES } from './messages.js';
export { EMPTY_HARD_STATE, EMPTY_CONF, makeConf, confEquals, entrySizeBytes } from './types.js';
export {
  RaftError,
  NotLeaderError,
  ProposalRefusedError,
  RaftInvariantError,
  RaftUsageError,
  RaftConfigError,
  CorruptLogError,
  RaftSafetyViolation,
  isRaftError,
  isNotLeaderError,
  isProposalRefusedError,
  isRaftInvariantError,
  isRaftUsageError,
  isRaftConfigError,
  isCorruptLogError,
  isRaftSafetyViolation,
} from './errors.js';
export { RaftStorage } from './storage/raft-storage.js';
export { encodeRecord, scanRecords, RecordType, RECORD_HEADER_BYTES } from './storage/record.js';
export { MemoryDisk } from './testing/memory-disk.js';
export { RaftTestCluster, LogStateMachine, RELIABLE_NETWORK, UNRELIABLE_NETWORK } from './testing/cluster.js';

export type { RaftConfig, ResolvedRaftConfig, ReadOnlyOption, RaftTestingBugs } from './config.js';
export type { Ready, StepOutcome, RaftStatus, ProgressStatus, RaftInspection } from './node.js';
export type { ProposeResult, RequestResult } from './core.js';
export type { ConfChangeOutcome } from './conf-change.js';
export type { Validation } from './validate.js';
export type { RaftClusterInvariantsOptions, DurableState } from './invariants.js';
export type {
  Message,
  MessageType,
  AppendEntries,
  AppendResponse,
  RequestVote,
  RequestVoteResponse,
  PreVote,
  PreVoteResponse,
  Heartbeat,
  HeartbeatResponse,
  InstallSnapshot,
  InstallSnapshotResponse,
  TimeoutNow,
  ReadIndex,
  ReadIndexResponse,
} from './messages.js';
export type {
  NodeId,
  Entry,
  NormalEntry,
  NoopEntry,
  ConfChangeEntry,
  ConfState,
  ConfChange,
  ConfChangeType,
  HardState,
  Snapshot,
  SnapshotMetadata,
  RecoveredState,
  Role,
  SoftState,
  ReadState,
} from './types.js';
export type { RaftErrorCode, ProposalRefusedReason } from './errors.js';
export type { RaftStorageOptions, StorageTestingBugs, RaftStorageOpened, RecoveryReport, TornTail, PersistBatch, Done } from './storage/raft-storage.js';
export type { ScanResult, ScannedRecord, RecordDamage } from './storage/record.js';
export type { MemoryDiskOptions, CrashOptions } from './testing/memory-disk.js';
export type { ClusterOptions, ClusterNetworkOptions, ClusterRaftOptions, ClusterStats } from './testing/cluster.js';
