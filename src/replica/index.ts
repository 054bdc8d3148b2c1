/**
 * The replica: one cluster member joining Raft, its storage, the services
 * state machine and the leader's lease keeper over an `Env`. Contract in
 * `api.ts`; the wire envelope in `wire.ts`; README.md explains both.
 */
export { createReplica, ReplicaNode } from './replica.js';
export { resolveReplicaSettings, REPLICA_BUGS } from './config.js';
export { MirroredDisk, DiskCorruptionError, isDiskCorruptionError } from './mirrored-disk.js';
export { checkEnvelope, isPeerEnvelope, raftEnvelope, forwardEnvelope, forwardReplyEnvelope, WIRE_VERSION, WIRE_LIMITS } from './wire.js';

export type {
  Replica,
  CreateReplica,
  ReplicaOptions,
  ReplicaOutcome,
  ReplicaError,
  ReplicaErrorCode,
  ReplicaStatus,
  ReplicaMember,
  ReplicaMetrics,
  ReplicaBug,
  ReplicaObserver,
  ReplicaStorageOptions,
  ReadConsistency,
} from './api.js';
export type { ReplicaSettings } from './config.js';
export type { MirroredDiskOptions, ScrubReport } from './mirrored-disk.js';
export type { PeerEnvelope, RaftEnvelope, ForwardEnvelope, ForwardReplyEnvelope, EnvelopeCheck } from './wire.js';
