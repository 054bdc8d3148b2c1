/**
 * Membership options, their defaults (HashiCorp memberlist's
 * `DefaultLANConfig`, in ms) and the relationships between them.
 */
import { MembershipConfigError } from './errors.js';
import { MEMBERS_MAX, PACKET_BYTES_MAX, PART_BYTES_MAX, PACKET_HEADER_BYTES, PACKET_TRAILER_BYTES } from './limits.js';

/**
 * Deliberately broken mechanisms, for the simulator's known-bad variants only
 * (`faultline sim --workload membership --bug …`): the checks must catch each.
 * Never set in production.
 */
export interface MembershipTestingBugs {
  /** The node never refutes a suspicion (or death) about itself, so a live node can be declared dead. */
  readonly neverRefute?: boolean;
}

export interface MembershipConfig {
  /** Time between probes of one member (randomised round robin). @defaultValue 1000 */
  readonly probeIntervalMs: number;
  /** Wait for a direct ack before asking others to probe indirectly (≈ the 99th percentile RTT). @defaultValue 500 */
  readonly probeTimeoutMs: number;
  /** Members asked to probe a silent member indirectly. @defaultValue 3 */
  readonly indirectChecks: number;
  /** Suspicion lasts `suspicionMult × max(1, log10(max(1, n))) × probeInterval` at least. @defaultValue 4 */
  readonly suspicionMult: number;
  /** …and at most this many times that, without independent confirmations. @defaultValue 6 */
  readonly suspicionMaxTimeoutMult: number;
  /** A broadcast is sent `retransmitMult × ceil(log10(n + 1))` times. @defaultValue 4 */
  readonly retransmitMult: number;
  /** Gossip of pending broadcasts that did not piggyback on probes. @defaultValue 200 */
  readonly gossipIntervalMs: number;
  /** Members gossiped to per interval. @defaultValue 3 */
  readonly gossipNodes: number;
  /** Keep gossiping to a dead member this long (so it can learn of its death and refute). @defaultValue 30_000 */
  readonly gossipToTheDeadMs: number;
  /** Full state exchange with one random member (scaled up past 32 members); 0 disables. @defaultValue 30_000 */
  readonly pushPullIntervalMs: number;
  /** Local health: probe interval is scaled by up to this factor when this node itself struggles. @defaultValue 8 */
  readonly awarenessMaxMultiplier: number;
  /** Largest datagram (ping, ack, gossip), bytes; ≤ 1400. @defaultValue 1400 */
  readonly packetBytesMax: number;
  /**
   * Every this often, exchange state with one configured member (from
   * `members` or `join` seeds) that this node does not see alive — dead, or
   * forgotten after reaping — so that two sides that declared each other
   * dead during a partition find each other again (Serf's reconnect; plain
   * memberlist leaves it to the application). 0 disables. @defaultValue 30_000
   */
  readonly reconnectIntervalMs: number;
  /** A join or push/pull with no answer is given up after this long (memberlist's TCPTimeout). @defaultValue 10_000 */
  readonly joinTimeoutMs: number;
  /** Members tracked at most (new names beyond it are dropped and counted). @defaultValue 4096 */
  readonly membersMax: number;
  readonly testingBugs?: MembershipTestingBugs;
}

/** memberlist's `DefaultLANConfig()` (config.go), with durations in ms; `reconnectIntervalMs` is Serf's. */
export const DEFAULT_LAN_CONFIG: Readonly<MembershipConfig> = Object.freeze({
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  pushPullIntervalMs: 30_000,
  reconnectIntervalMs: 30_000,
  awarenessMaxMultiplier: 8,
  packetBytesMax: PACKET_BYTES_MAX,
  joinTimeoutMs: 10_000,
  membersMax: MEMBERS_MAX,
});

const API = 'MembershipNode';

function fail(message: string): never {
  throw new MembershipConfigError(`${API}: ${message}`);
}

function positiveMs(c: MembershipConfig, key: keyof MembershipConfig): void {
  const v = c[key];
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) fail(`${key} must be a finite number of ms > 0, got ${String(v)}`);
}

function integerIn(c: MembershipConfig, key: keyof MembershipConfig, min: number, max: number): void {
  const v = c[key];
  if (!(Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max)) fail(`${key} must be an integer in [${min}, ${max}], got ${String(v)}`);
}

/** Defaults filled in and every option checked; throws `MembershipConfigError` naming the first bad one. */
export function resolveConfig(partial: Partial<MembershipConfig> = {}): MembershipConfig {
  if (partial === null || typeof partial !== 'object') fail('config must be an object');
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_LAN_CONFIG) && key !== 'testingBugs') fail(`unknown option "${key}"`);
  }
  const c: MembershipConfig = { ...DEFAULT_LAN_CONFIG };
  for (const [key, value] of Object.entries(partial)) if (value !== undefined) (c as unknown as Record<string, unknown>)[key] = value;
  positiveMs(c, 'probeIntervalMs');
  positiveMs(c, 'probeTimeoutMs');
  positiveMs(c, 'gossipIntervalMs');
  positiveMs(c, 'gossipToTheDeadMs');
  positiveMs(c, 'joinTimeoutMs');
  for (const key of ['pushPullIntervalMs', 'reconnectIntervalMs'] as const) {
    if (!(c[key] === 0 || (c[key] > 0 && Number.isFinite(c[key])))) fail(`${key} must be 0 (off) or a finite number of ms > 0, got ${c[key]}`);
  }
  integerIn(c, 'indirectChecks', 0, 16);
  integerIn(c, 'suspicionMult', 1, 100);
  integerIn(c, 'suspicionMaxTimeoutMult', 1, 100);
  integerIn(c, 'retransmitMult', 1, 100);
  integerIn(c, 'gossipNodes', 0, 64);
  integerIn(c, 'awarenessMaxMultiplier', 1, 64);
  integerIn(c, 'membersMax', 2, MEMBERS_MAX);
  integerIn(c, 'packetBytesMax', PACKET_HEADER_BYTES + 2 * PART_BYTES_MAX + PACKET_TRAILER_BYTES, PACKET_BYTES_MAX);
  // The direct probe must be able to fail before the probe round ends, or indirect probes never run.
  if (!(c.probeTimeoutMs < c.probeIntervalMs)) fail(`probeTimeoutMs (${c.probeTimeoutMs}) must be < probeIntervalMs (${c.probeIntervalMs})`);
  if (c.testingBugs !== undefined && (c.testingBugs === null || typeof c.testingBugs !== 'object')) fail('testingBugs must be an object');
  return c;
}
