/**
 * Services: KV, leases, locks with fencing tokens, client sessions and
 * Snowflake worker-id allocation as one deterministic state machine applied
 * in Raft log order, plus the leader-side LeaseKeeper and the client-side
 * ClientLeaseTimer. Rules and bounds: src/services/README.md.
 */
export { ServiceStateMachine } from './state-machine.js';
export { LeaseKeeper } from './lease-keeper.js';
export { ClientLeaseTimer } from './client-lease-timer.js';
export {
  putCommand,
  deleteCommand,
  getCommand,
  rangeCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  revokeLeaseCommand,
  expireLeaseCommand,
  checkpointCommand,
  acquireLockCommand,
  releaseLockCommand,
  acquireWorkerIdCommand,
  releaseWorkerIdCommand,
  registerSessionCommand,
  withSession,
} from './commands.js';
export { encodeCommand, encodeCanonicalCommand, decodeCommand, COMMAND_CODEC_VERSION } from './codec.js';
export { validateCommand } from './validate.js';
export { SNAPSHOT_FORMAT_VERSION } from './snapshot.js';
export { isOk } from './results.js';
export { LIMITS, assertLimits } from './limits.js';
export { resolveServiceConfig, deriveMinLeaseTtlMs, LEASE_TTL_ELECTION_FACTOR } from './config.js';
export {
  SERVICE_ERROR_CODES,
  SERVICE_ERROR_HTTP_STATUS,
  InvalidCommandError,
  isInvalidCommandError,
  SnapshotCorruptError,
  isSnapshotCorruptError,
  ServiceConfigError,
  isServiceConfigError,
  INVALID_COMMAND_ERROR,
  SNAPSHOT_CORRUPT_ERROR,
  SERVICE_CONFIG_ERROR,
} from './errors.js';

export type {
  ServiceEntry,
  ServiceStateMachineOptions,
  ServiceTestingBugs,
  Subscription,
  LockInfo,
  LeaseInfo,
  SessionInfo,
  ServiceStats,
} from './state-machine.js';
export type { LeaseKeeperOptions, LeaseKeeperTickInput, LeaseKeeperProposal } from './lease-keeper.js';
export type { ClientLeaseTimerOptions } from './client-lease-timer.js';
export type {
  Command,
  CommandType,
  SessionCommand,
  SessionRef,
  Fence,
  PutCommand,
  DeleteCommand,
  GetCommand,
  RangeCommand,
  GrantLeaseCommand,
  KeepAliveLeaseCommand,
  RevokeLeaseCommand,
  ExpireLeaseCommand,
  CheckpointCommand,
  CheckpointEntry,
  AcquireLockCommand,
  ReleaseLockCommand,
  AcquireWorkerIdCommand,
  ReleaseWorkerIdCommand,
  RegisterSessionCommand,
} from './commands.js';
export type {
  ServiceResult,
  ApplyResult,
  ResultFor,
  ResultValueMap,
  KeyMeta,
  KeyValue,
  PutValue,
  DeleteValue,
  GetValue,
  RangeValue,
  GrantLeaseValue,
  KeepAliveLeaseValue,
  LeaseEndValue,
  ExpireLeaseValue,
  CheckpointValue,
  AcquireLockValue,
  ReleaseLockValue,
  AcquireWorkerIdValue,
  ReleaseWorkerIdValue,
  RegisterSessionValue,
} from './results.js';
export type { LeaseEvent, LeaseRecord } from './lease-types.js';
export type { ServiceLimits } from './limits.js';
export type { ServiceConfig, ServiceConfigOptions } from './config.js';
export type { ServiceError, ServiceErrorCode, ServiceErrorDetails } from './errors.js';
