/**
 * Cluster-wide settings of the services state machine. Every replica must be
 * built with the SAME config: TTL bounds and the session expiry horizon decide
 * results inside `apply`. The config is written into every snapshot and
 * `restore` refuses a snapshot taken under a different one.
 */
import { ServiceConfigError } from './errors.js';
import { LIMITS } from './limits.js';

export interface ServiceConfig {
  /**
   * Shortest TTL `grant-lease` accepts. A lease must outlive one leader change
   * (keep-alives cannot commit while there is no leader), so the rule is
   * `minLeaseTtlMs ≥ LEASE_TTL_ELECTION_FACTOR × electionTimeoutMs` (2×, the
   * top of Raft's randomized election timeout): one timeout to notice the
   * leader is gone and about one more to elect the next.
   */
  readonly minLeaseTtlMs: number;
  /** Longest TTL `grant-lease` accepts (≤ LIMITS.leaseTtlMsMax). */
  readonly maxLeaseTtlMs: number;
  /**
   * How often the leader's `LeaseKeeper` records remaining TTLs in the log
   * (`checkpoint`). It bounds how much a leader change can lengthen a lease
   * (see README: at most checkpointIntervalMs + one keeper tick + the
   * leaderless gap), and it is the unit of log-carried time that expires idle
   * sessions. Must be ≤ minLeaseTtlMs.
   */
  readonly checkpointIntervalMs: number;
  /**
   * A client session with no command for this long (measured in checkpoints:
   * `ceil(sessionIdleMs / checkpointIntervalMs)` of them) is forgotten.
   */
  readonly sessionIdleMs: number;
  /** Worker ids handed out are 0 … workerIdCount − 1 (1,024 = Snowflake's 10 worker bits). */
  readonly workerIdCount: number;
}

export interface ServiceConfigOptions extends Partial<ServiceConfig> {
  /**
   * The Raft election timeout in ms (the top of its randomized range). When
   * given, `minLeaseTtlMs` defaults to 2× it and a smaller one is refused.
   * @defaultValue 1000
   */
  readonly electionTimeoutMs?: number;
}

/** `minLeaseTtlMs ≥ LEASE_TTL_ELECTION_FACTOR × electionTimeoutMs`. */
export const LEASE_TTL_ELECTION_FACTOR = 2;

const API = 'resolveServiceConfig';
const DEFAULT_ELECTION_TIMEOUT_MS = 1000;
const DEFAULT_MAX_LEASE_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_SESSION_IDLE_MS = 5 * 60 * 1000;
const DEFAULT_WORKER_ID_COUNT = 1024;

/** The smallest lease TTL a cluster with this election timeout may grant. */
export function deriveMinLeaseTtlMs(electionTimeoutMs: number): number {
  positive('electionTimeoutMs', electionTimeoutMs);
  return LEASE_TTL_ELECTION_FACTOR * electionTimeoutMs;
}

/** Fill defaults and validate; throws `ServiceConfigError` naming the option. */
export function resolveServiceConfig(options: ServiceConfigOptions = {}): ServiceConfig {
  const electionTimeoutMs = options.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS;
  const floorMs = deriveMinLeaseTtlMs(electionTimeoutMs);
  const minLeaseTtlMs = options.minLeaseTtlMs ?? floorMs;
  positive('minLeaseTtlMs', minLeaseTtlMs);
  if (minLeaseTtlMs < floorMs) {
    throw new ServiceConfigError(
      `${API}: minLeaseTtlMs (${minLeaseTtlMs}) must be ≥ ${LEASE_TTL_ELECTION_FACTOR} × electionTimeoutMs (${floorMs}): ` +
        'a lease must survive one leader election',
    );
  }
  const maxLeaseTtlMs = options.maxLeaseTtlMs ?? Math.max(DEFAULT_MAX_LEASE_TTL_MS, minLeaseTtlMs);
  positive('maxLeaseTtlMs', maxLeaseTtlMs);
  if (maxLeaseTtlMs < minLeaseTtlMs) throw new ServiceConfigError(`${API}: maxLeaseTtlMs (${maxLeaseTtlMs}) must be ≥ minLeaseTtlMs (${minLeaseTtlMs})`);
  if (maxLeaseTtlMs > LIMITS.leaseTtlMsMax) {
    throw new ServiceConfigError(`${API}: maxLeaseTtlMs (${maxLeaseTtlMs}) must be ≤ LIMITS.leaseTtlMsMax (${LIMITS.leaseTtlMsMax})`);
  }
  const checkpointIntervalMs = options.checkpointIntervalMs ?? Math.max(1, Math.floor(minLeaseTtlMs / 2));
  positive('checkpointIntervalMs', checkpointIntervalMs);
  if (checkpointIntervalMs > minLeaseTtlMs) {
    throw new ServiceConfigError(
      `${API}: checkpointIntervalMs (${checkpointIntervalMs}) must be ≤ minLeaseTtlMs (${minLeaseTtlMs}): ` +
        'otherwise a leader change could lengthen a lease by more than its TTL',
    );
  }
  const sessionIdleMs = options.sessionIdleMs ?? Math.max(DEFAULT_SESSION_IDLE_MS, 2 * checkpointIntervalMs);
  positive('sessionIdleMs', sessionIdleMs);
  if (sessionIdleMs < 2 * checkpointIntervalMs) {
    throw new ServiceConfigError(`${API}: sessionIdleMs (${sessionIdleMs}) must be ≥ 2 × checkpointIntervalMs (${2 * checkpointIntervalMs})`);
  }
  const workerIdCount = options.workerIdCount ?? DEFAULT_WORKER_ID_COUNT;
  positive('workerIdCount', workerIdCount);
  if (workerIdCount > LIMITS.workerIdCountMax) {
    throw new ServiceConfigError(`${API}: workerIdCount (${workerIdCount}) must be ≤ LIMITS.workerIdCountMax (${LIMITS.workerIdCountMax})`);
  }
  return Object.freeze({ minLeaseTtlMs, maxLeaseTtlMs, checkpointIntervalMs, sessionIdleMs, workerIdCount });
}

/** Checkpoints a session may sit idle before the state machine forgets it. */
export function sessionIdleCheckpoints(config: ServiceConfig): number {
  return Math.ceil(config.sessionIdleMs / config.checkpointIntervalMs);
}

export function configEquals(a: ServiceConfig, b: ServiceConfig): boolean {
  return (
    a.minLeaseTtlMs === b.minLeaseTtlMs &&
    a.maxLeaseTtlMs === b.maxLeaseTtlMs &&
    a.checkpointIntervalMs === b.checkpointIntervalMs &&
    a.sessionIdleMs === b.sessionIdleMs &&
    a.workerIdCount === b.workerIdCount
  );
}

function positive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ServiceConfigError(`${API}: ${name} must be a positive integer (ms or count), got ${String(value)}`);
  }
}
