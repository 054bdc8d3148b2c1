/**
 * Every size and count the services layer accepts, in one place (TigerBeetle's
 * `constants.zig` idea): a limit on everything, names ending in unit then
 * qualifier (`keyBytesMax`), and the relationships between limits asserted
 * when the module loads, so an edit that breaks one fails at once.
 *
 * These are constants, not options: every replica must apply the same log to
 * the same result, so a limit that differed between replicas would fork the
 * state machine. Changing one is a protocol change (bump the codec version).
 */

export interface ServiceLimits {
  /** Largest key, in UTF-8 bytes. Keys are non-empty. */
  readonly keyBytesMax: number;
  /** Largest value, in bytes. Empty values are allowed. */
  readonly valueBytesMax: number;
  /** Largest lock name, in UTF-8 bytes. */
  readonly lockNameBytesMax: number;
  /** Bytes a command may spend on everything but its key, value and lock name (field names, numbers, session). */
  readonly commandOverheadBytesMax: number;
  /** Largest encoded command (version byte + msgpack). The Raft host must accept proposals at least this big. */
  readonly commandBytesMax: number;
  /** Keys stored at once. A put of a new key past it fails with `limit_exceeded`. */
  readonly keysMax: number;
  /** Live leases at once. */
  readonly leasesMax: number;
  /** Held locks at once. */
  readonly locksMax: number;
  /** Registered client sessions at once. */
  readonly sessionsMax: number;
  /** Results one session keeps for sequence numbers above its acknowledged mark. */
  readonly sessionResultsMax: number;
  /** Leases one `checkpoint` command carries (the keeper splits bigger sets). */
  readonly checkpointLeasesMax: number;
  /** Encoded bytes one checkpoint entry may take (lease id, refresh index, remaining ms and msgpack framing). */
  readonly checkpointEntryBytesMax: number;
  /** Largest `limit` a range read accepts. */
  readonly rangeLimitMax: number;
  /** Key + value bytes one range result may carry before it stops with `more: true`. */
  readonly rangeResultBytesMax: number;
  /** Largest worker-id pool (`workerIdCount`); 2^16 covers any Snowflake layout worth running. */
  readonly workerIdCountMax: number;
  /** Longest lease TTL the config may allow (30 days). */
  readonly leaseTtlMsMax: number;
  /** Expiry proposals one `LeaseKeeper.tick` returns at most; the rest wait for the next tick. */
  readonly keeperExpiriesPerTickMax: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMITS: ServiceLimits = Object.freeze({
  keyBytesMax: 1 * KiB,
  valueBytesMax: 64 * KiB,
  lockNameBytesMax: 256,
  commandOverheadBytesMax: 512,
  commandBytesMax: 66 * KiB,
  keysMax: 1_000_000,
  leasesMax: 100_000,
  locksMax: 100_000,
  sessionsMax: 10_000,
  sessionResultsMax: 64,
  checkpointLeasesMax: 1_000,
  checkpointEntryBytesMax: 40,
  rangeLimitMax: 1_000,
  rangeResultBytesMax: 4 * MiB,
  workerIdCountMax: 65_536,
  leaseTtlMsMax: 30 * 24 * 60 * 60 * 1000,
  keeperExpiriesPerTickMax: 256,
});

/** Throws naming the broken relationship; run at module load and by the tests. */
export function assertLimits(l: ServiceLimits): void {
  const fail = (rule: string): never => {
    throw new Error(`services limits: invariant broken: ${rule}`);
  };
  for (const [name, value] of Object.entries(l)) {
    if (!Number.isSafeInteger(value) || value <= 0) fail(`${name} must be a positive safe integer (got ${String(value)})`);
  }
  // The largest legal put (key + value + fence lock name + session) must fit in one command.
  if (l.keyBytesMax + l.valueBytesMax + l.lockNameBytesMax + l.commandOverheadBytesMax > l.commandBytesMax) {
    fail('keyBytesMax + valueBytesMax + lockNameBytesMax + commandOverheadBytesMax ≤ commandBytesMax');
  }
  // A full checkpoint command must fit in one command.
  if (l.checkpointLeasesMax * l.checkpointEntryBytesMax + l.commandOverheadBytesMax > l.commandBytesMax) {
    fail('checkpointLeasesMax × checkpointEntryBytesMax + commandOverheadBytesMax ≤ commandBytesMax');
  }
  // A range result always has room for at least one maximal pair, so a range always makes progress.
  if (l.keyBytesMax + l.valueBytesMax > l.rangeResultBytesMax) fail('keyBytesMax + valueBytesMax ≤ rangeResultBytesMax');
  // Raft's default proposal limit is 1 MiB; a command must fit comfortably under it.
  if (l.commandBytesMax > 1 * MiB) fail('commandBytesMax ≤ 1 MiB (the Raft default maxProposalBytes)');
  // Lease ids, refresh indexes and revisions are safe integers; TTL arithmetic must not lose precision.
  if (l.leaseTtlMsMax > 2 ** 40) fail('leaseTtlMsMax ≤ 2^40');
  if (l.lockNameBytesMax > l.keyBytesMax) fail('lockNameBytesMax ≤ keyBytesMax');
  if (l.keeperExpiriesPerTickMax > l.leasesMax) fail('keeperExpiriesPerTickMax ≤ leasesMax');
}

assertLimits(LIMITS);
