/** The values the client returns: the HTTP API v1's JSON, typed. */

/** A lease id as the API returns it. */
export type LeaseId = number;

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** The key's last change: pass it as `ifRevision` for a compare-and-set. */
  readonly modRevision: number;
  /** When the key was created (since its last deletion). */
  readonly createRevision: number | undefined;
  /** Puts since creation (1 after the first). */
  readonly version: number | undefined;
  /** The lease the key is attached to, or null. */
  readonly lease: LeaseId | null;
  /** The cluster's revision when the read was served. */
  readonly revision: number;
}

export interface PutResult {
  /** The cluster revision this put created (the key's new modRevision). */
  readonly revision: number;
}

export interface DeleteResult {
  /** The cluster revision after the delete. */
  readonly revision: number;
  /** False when the key did not exist. */
  readonly deleted: boolean;
}

export interface LeaseGrant {
  readonly lease: LeaseId;
  /** The TTL the cluster granted, ms (measured by the leader from when it applied the grant). */
  readonly ttlMs: number;
}

export interface LockGrant {
  readonly lock: string;
  /** The fencing token: pass `{ lock, token }` as `fence` on every write the lock protects. */
  readonly token: number;
  readonly lease: LeaseId;
}

export interface Fence {
  readonly lock: string;
  readonly token: number;
}

export interface ClusterMember {
  readonly id: string;
  readonly httpUrl?: string;
  readonly role: string;
  readonly health: string;
  readonly phi?: number;
}

export interface ClusterStatus {
  /** The leader's member id, or null when there is none. */
  readonly leader: string | null;
  readonly term: number;
  readonly commitIndex: number;
  readonly members: readonly ClusterMember[];
}

export type ReadConsistency = 'linearizable' | 'stale';

/** Options every call accepts. */
export interface CallOptions {
  /** Cancel the call: it rejects with an `aborted` FaultlineError. */
  readonly signal?: AbortSignal;
  /** A tighter budget than the client's `requestTimeoutMs` for this call, ms. */
  readonly timeoutMs?: number;
}

export interface GetOptions extends CallOptions {
  /** `linearizable` (default) reads through the leader; `stale` serves from whichever member answers. */
  readonly consistency?: ReadConsistency;
}

export interface PutOptions extends CallOptions {
  /** Apply only if the key's revision is this (0: only if the key does not exist). */
  readonly ifRevision?: number;
  /** Attach the key to a lease: it is deleted when the lease ends. */
  readonly lease?: LeaseId;
  /** Apply only if this lock is still held with this token. */
  readonly fence?: Fence;
}

export interface DeleteOptions extends CallOptions {
  readonly ifRevision?: number;
  readonly fence?: Fence;
}

export interface AcquireOptions extends CallOptions {
  /** The lease that will own the lock (it is released when the lease ends). */
  readonly lease: LeaseId;
}
