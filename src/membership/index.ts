/**
 * `faultline/membership`: gossip membership — SWIM with the Lifeguard
 * refinements, as HashiCorp memberlist runs it (randomised round-robin
 * probes, indirect probes with nacks, suspicion that shrinks with independent
 * confirmations, refutation by incarnation, piggybacked dissemination with a
 * log(n) retransmit limit, local-health awareness). Env-driven: it runs
 * unchanged in the simulator and on real processes. See docs/MEMBERSHIP.md.
 */
export { MembershipNode, startMembership } from './node.js';
export { DEFAULT_LAN_CONFIG, resolveConfig } from './config.js';
export { suspicionTimeoutMs, retransmitLimit, remainingSuspicionTimeMs, pushPullScaleMs, PUSH_PULL_SCALE_THRESHOLD } from './arithmetic.js';
export { Awareness } from './awareness.js';
export { Suspicion } from './suspicion.js';
export { BroadcastQueue } from './broadcast-queue.js';
export { encodePart, encodePacket, encodeMessages, decodePacket, isValidMemberName, PACKET_MAGIC } from './codec.js';
export {
  NAME_BYTES_MAX,
  MEMBERS_MAX,
  PACKET_BYTES_MAX,
  PARTS_PER_PACKET_MAX,
  STATE_PACKET_BYTES_MAX,
  RELAYS_MAX,
} from './limits.js';
export {
  MembershipError,
  MembershipDecodeError,
  MembershipEncodeError,
  MembershipConfigError,
  MembershipUsageError,
  isMembershipError,
  isMembershipDecodeError,
  isMembershipEncodeError,
  isMembershipConfigError,
} from './errors.js';

export type { MembershipEnv, MembershipNodeOptions, MembershipStats } from './node.js';
export type { MembershipConfig, MembershipTestingBugs } from './config.js';
export type { MembershipErrorCode } from './errors.js';
export type {
  MembershipEvent,
  JoinEvent,
  SuspectEvent,
  AliveEvent,
  DeadEvent,
  LeaveEvent,
  MemberSnapshot,
} from './events.js';
export type {
  MembershipMessage,
  MemberState,
  MemberStateEntry,
  PingMessage,
  IndirectPingMessage,
  AckMessage,
  NackMessage,
  AliveMessage,
  SuspectMessage,
  DeadMessage,
  PushPullMessage,
  BroadcastMessage,
} from './messages.js';
