/**
 * RaftNode options, their defaults and the relationships between them.
 * Every limit is explicit and named with its unit (TigerBeetle style).
 */
import type { Rng } from '../core/random/rng.js';
import { RaftConfigError } from './errors.js';
import type { NodeId } from './types.js';

export type ReadOnlyOption = 'safe' | 'lease-based';

/**
 * Deliberately broken safety mechanisms, for the simulator's known-bad
 * variants only (`faultline sim --bug …`): the harness must catch each one.
 * Never set in production. Every flag defaults to off and costs one boolean
 * test where it applies.
 */
export interface RaftTestingBugs {
  /**
   * The leader commits an index once floor(n/2) voters (one short of a
   * majority) store it, so a leader cut off with a minority can acknowledge
   * writes the majority side never sees.
   */
  readonly commitWithoutMajority?: boolean;
}

export interface RaftConfig {
  /** This node's id. */
  readonly id: NodeId;
  /**
   * Founding voters, used only to bootstrap a brand-new cluster (when the
   * recovered state is empty): every founding member must be given the same
   * list. A node that will join an existing cluster passes none (or `[]`) and
   * learns the membership from the leader. Ignored once anything is stored.
   */
  readonly voters?: readonly NodeId[];
  /** Founding learners (bootstrap only, like `voters`). */
  readonly learners?: readonly NodeId[];
  /** Seeded randomness for election timeouts (`src/core/random`). */
  readonly rng: Rng;
  /**
   * Minimum election timeout in ticks. Each election timer is drawn uniformly
   * from [electionTicks, 2·electionTicks). @defaultValue 10
   */
  readonly electionTicks?: number;
  /** Ticks between leader heartbeats; must be < electionTicks. @defaultValue 1 */
  readonly heartbeatTicks?: number;
  /** Run a pre-vote round before a real election (thesis §9.6). @defaultValue true */
  readonly preVote?: boolean;
  /**
   * A leader steps down when it has not heard from a quorum within an election
   * timeout, and voters ignore vote requests within the minimum election
   * timeout of hearing from a leader (leader stickiness). @defaultValue true
   */
  readonly checkQuorum?: boolean;
  /** AppendEntries in flight per follower in replicate state. @defaultValue 256 */
  readonly maxInflightAppends?: number;
  /** Entries per AppendEntries message. @defaultValue 256 */
  readonly maxEntriesPerAppend?: number;
  /** Approximate bytes of entries per AppendEntries (at least one entry is always sent). @defaultValue 1 MiB */
  readonly maxAppendBytes?: number;
  /** Largest accepted proposal payload; must be ≤ maxAppendBytes. @defaultValue maxAppendBytes */
  readonly maxProposalBytes?: number;
  /** Proposals refused while this many entries wait for a quorum. @defaultValue 16384 */
  readonly maxUncommittedEntries?: number;
  /** Committed entries handed out per `ready()`. @defaultValue 1024 */
  readonly maxApplyEntriesPerReady?: number;
  /** Reads waiting at the leader (local + forwarded). @defaultValue 16384 */
  readonly maxPendingReads?: number;
  /**
   * 'safe': every read is confirmed by a heartbeat quorum round (ReadIndex).
   * 'lease-based': a leader whose lease is provably valid answers at once;
   * needs `monoNowMs` and `tickIntervalMs`, and `checkQuorum`. @defaultValue 'safe'
   */
  readonly readOnlyOption?: ReadOnlyOption;
  /**
   * Monotonic clock in ms; required for lease-based reads. In 'safe' mode it
   * is optional and only timestamps heartbeat rounds, so the host can ask
   * `RaftNode.leadershipConfirmedAtMs()` (what a lease keeper needs).
   */
  readonly monoNowMs?: () => number;
  /**
   * Nominal monotonic ms between two `tick()` calls (lease math only). The
   * runtime must never tick faster than this: a catch-up burst of ticks after
   * a pause would shorten the followers' promise the lease relies on.
   */
  readonly tickIntervalMs?: number;
  /** Bound on how much two nodes' clocks may disagree in rate, in [0, 1). @defaultValue 0.01 */
  readonly maxClockDriftRate?: number;
  /** Ticks before an unanswered InstallSnapshot is retried. @defaultValue 2·electionTicks */
  readonly snapshotRetryTicks?: number;
  /** A learner is promotable when its match index ≥ commit − this. @defaultValue maxEntriesPerAppend */
  readonly learnerCatchUpLagEntries?: number;
  /**
   * Let the host keep several Readies in flight (etcd's asynchronous storage
   * writes): `ready()` may be called again before the previous Ready is
   * advanced; Readies are advanced in the order they were handed out, each
   * after its own writes and every earlier one's are durable. The leader then
   * counts itself toward a quorum only for entries storage reported durable,
   * and `committedEntries` hold only locally durable entries (so they can be
   * applied at once). See README "The Ready contract". @defaultValue false
   */
  readonly asyncStorageWrites?: boolean;
  /** Structured events (dropped messages, role changes); cheap when absent. */
  readonly logger?: (event: string, fields: Record<string, unknown>) => void;
  /** Known-bad variants for the simulator only (see `RaftTestingBugs`). @defaultValue none */
  readonly testingBugs?: RaftTestingBugs;
}

export interface ResolvedRaftConfig {
  readonly id: NodeId;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly rng: Rng;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflightAppends: number;
  readonly maxEntriesPerAppend: number;
  readonly maxAppendBytes: number;
  readonly maxProposalBytes: number;
  readonly maxUncommittedEntries: number;
  readonly maxApplyEntriesPerReady: number;
  readonly maxPendingReads: number;
  readonly readOnlyOption: ReadOnlyOption;
  readonly monoNowMs: (() => number) | null;
  readonly tickIntervalMs: number;
  readonly maxClockDriftRate: number;
  /** Lease length in ms: (electionTicks − 1)·tickIntervalMs·(1 − maxClockDriftRate). */
  readonly leaseDurationMs: number;
  readonly snapshotRetryTicks: number;
  readonly learnerCatchUpLagEntries: number;
  readonly logger: ((event: string, fields: Record<string, unknown>) => void) | null;
  readonly asyncStorageWrites: boolean;
  readonly testingBugs: Required<RaftTestingBugs>;
}

const API = 'RaftNode';

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new RaftConfigError(`${API}: ${name} must be a positive integer, got ${v}`);
  return v;
}

function nodeList(name: string, list: readonly NodeId[] | undefined): readonly NodeId[] {
  const out = list ?? [];
  if (!Array.isArray(out)) throw new RaftConfigError(`${API}: ${name} must be an array of node ids`);
  for (const id of out) {
    if (typeof id !== 'string' || id.length === 0) throw new RaftConfigError(`${API}: ${name} must hold non-empty string ids, got ${String(id)}`);
  }
  if (new Set(out).size !== out.length) throw new RaftConfigError(`${API}: ${name} has duplicate ids`);
  return out;
}

export function resolveConfig(config: RaftConfig): ResolvedRaftConfig {
  if (typeof config !== 'object' || config === null) throw new RaftConfigError(`${API}: config must be an object`);
  if (typeof config.id !== 'string' || config.id.length === 0) throw new RaftConfigError(`${API}: id must be a non-empty string`);
  if (!config.rng || typeof config.rng.int !== 'function') throw new RaftConfigError(`${API}: rng must be an Rng (src/core/random)`);
  const voters = nodeList('voters', config.voters);
  const learners = nodeList('learners', config.learners);
  for (const l of learners) {
    if (voters.includes(l)) throw new RaftConfigError(`${API}: ${l} is both a voter and a learner`);
  }
  const electionTicks = positiveInt('electionTicks', config.electionTicks, 10);
  const heartbeatTicks = positiveInt('heartbeatTicks', config.heartbeatTicks, 1);
  if (electionTicks < 2) throw new RaftConfigError(`${API}: electionTicks must be ≥ 2, got ${electionTicks}`);
  if (heartbeatTicks >= electionTicks) {
    throw new RaftConfigError(`${API}: heartbeatTicks (${heartbeatTicks}) must be < electionTicks (${electionTicks})`);
  }
  const maxAppendBytes = positiveInt('maxAppendBytes', config.maxAppendBytes, 1 << 20);
  const maxProposalBytes = positiveInt('maxProposalBytes', config.maxProposalBytes, maxAppendBytes);
  if (maxProposalBytes > maxAppendBytes) {
    throw new RaftConfigError(`${API}: maxProposalBytes (${maxProposalBytes}) must be ≤ maxAppendBytes (${maxAppendBytes})`);
  }
  const maxEntriesPerAppend = positiveInt('maxEntriesPerAppend', config.maxEntriesPerAppend, 256);
  const readOnlyOption = config.readOnlyOption ?? 'safe';
  if (readOnlyOption !== 'safe' && readOnlyOption !== 'lease-based') {
    throw new RaftConfigError(`${API}: readOnlyOption must be 'safe' or 'lease-based', got ${String(readOnlyOption)}`);
  }
  const checkQuorum = config.checkQuorum ?? true;
  const maxClockDriftRate = config.maxClockDriftRate ?? 0.01;
  if (!(maxClockDriftRate >= 0 && maxClockDriftRate < 1)) {
    throw new RaftConfigError(`${API}: maxClockDriftRate must be in [0, 1), got ${maxClockDriftRate}`);
  }
  let tickIntervalMs = 0;
  if (config.monoNowMs !== undefined && typeof config.monoNowMs !== 'function') throw new RaftConfigError(`${API}: monoNowMs must be a function`);
  let monoNowMs: (() => number) | null = config.monoNowMs ?? null;
  if (readOnlyOption === 'lease-based') {
    if (!checkQuorum) throw new RaftConfigError(`${API}: lease-based reads need checkQuorum (leader stickiness is what makes the lease safe)`);
    if (typeof config.monoNowMs !== 'function') throw new RaftConfigError(`${API}: lease-based reads need a monoNowMs clock`);
    if (!(typeof config.tickIntervalMs === 'number' && config.tickIntervalMs > 0)) {
      throw new RaftConfigError(`${API}: lease-based reads need tickIntervalMs > 0, got ${String(config.tickIntervalMs)}`);
    }
    tickIntervalMs = config.tickIntervalMs;
    monoNowMs = config.monoNowMs;
  }
  if (config.logger !== undefined && typeof config.logger !== 'function') throw new RaftConfigError(`${API}: logger must be a function`);
  return {
    id: config.id,
    voters,
    learners,
    rng: config.rng,
    electionTicks,
    heartbeatTicks,
    preVote: config.preVote ?? true,
    checkQuorum,
    maxInflightAppends: positiveInt('maxInflightAppends', config.maxInflightAppends, 256),
    maxEntriesPerAppend,
    maxAppendBytes,
    maxProposalBytes,
    maxUncommittedEntries: positiveInt('maxUncommittedEntries', config.maxUncommittedEntries, 16_384),
    maxApplyEntriesPerReady: positiveInt('maxApplyEntriesPerReady', config.maxApplyEntriesPerReady, 1024),
    maxPendingReads: positiveInt('maxPendingReads', config.maxPendingReads, 16_384),
    readOnlyOption,
    monoNowMs,
    tickIntervalMs,
    maxClockDriftRate,
    // A follower resets its election timer on hearing from the leader and the
    // next tick may come at once, so it only promises (electionTicks − 1)
    // whole tick intervals; drift shortens that further.
    leaseDurationMs: (electionTicks - 1) * tickIntervalMs * (1 - maxClockDriftRate),
    snapshotRetryTicks: positiveInt('snapshotRetryTicks', config.snapshotRetryTicks, 2 * electionTicks),
    learnerCatchUpLagEntries: Math.max(0, config.learnerCatchUpLagEntries ?? maxEntriesPerAppend),
    asyncStorageWrites: config.asyncStorageWrites === true,
    logger: config.logger ?? null,
    testingBugs: { commitWithoutMajority: config.testingBugs?.commitWithoutMajority === true },
  };
}
