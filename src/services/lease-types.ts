/**
 * What the state machine tells the leader-side `LeaseKeeper` about leases,
 * without either depending on the other: a table of lease records (read when
 * a node becomes leader) and a stream of events (emitted by `apply`).
 */

/** A lease as the replicated state records it. */
export interface LeaseRecord {
  readonly leaseId: number;
  readonly ttlMs: number;
  /**
   * Remaining TTL as of the lease's last record in the log: its grant or
   * keep-alive (= ttlMs) or a later checkpoint. Not "now": the state machine
   * has no clock. A new leader starts each lease's deadline at
   * becameLeader time + remainingMs.
   */
  readonly remainingMs: number;
  /** Log index of the grant or the last keep-alive; expiry and checkpoints must name it. */
  readonly refreshIndex: number;
}

/** Emitted by `apply` as leases are granted, refreshed or end (in log order, synchronously). */
export type LeaseEvent =
  | {
      readonly type: 'granted' | 'refreshed';
      readonly leaseId: number;
      readonly ttlMs: number;
      readonly refreshIndex: number;
    }
  | { readonly type: 'ended'; readonly leaseId: number; readonly reason: 'revoked' | 'expired' };
