/**
 * Every size limit of the membership protocol, named with its unit, and the
 * relationships between them, checked when the module loads (TigerBeetle's
 * `constants.zig`). A limit violated by a peer's packet makes the packet
 * garbage; a limit violated by our own message is a bug (encode throws).
 */

/** Longest member name, bytes (printable ASCII, so bytes = characters). */
export const NAME_BYTES_MAX = 128;
/** Most members one node tracks (its own entry included). */
export const MEMBERS_MAX = 4096;
/** Most messages in one compound packet (memberlist: one length byte). */
export const PARTS_PER_PACKET_MAX = 255;
/**
 * Largest datagram: ping, ack, gossip (memberlist's UDPBufferSize default,
 * sized to fit an Ethernet MTU). A config may lower it, never raise it.
 */
export const PACKET_BYTES_MAX = 1400;
/** Header: magic byte + part count byte; trailer: CRC-32C. */
export const PACKET_HEADER_BYTES = 2;
export const PACKET_TRAILER_BYTES = 4;
/** A part: type byte + at most three varints (≤ 5 bytes each for u32) + two names with their length byte. */
export const PART_BYTES_MAX = 1 + 3 * 5 + 2 * (1 + NAME_BYTES_MAX);
/** One member's entry in a state exchange: name + incarnation varint + state byte. */
export const STATE_ENTRY_BYTES_MAX = 1 + NAME_BYTES_MAX + 5 + 1;
/** A push/pull state exchange (memberlist sends it over TCP): every member once. */
export const STATE_PACKET_BYTES_MAX = PACKET_HEADER_BYTES + 1 + 1 + 5 + MEMBERS_MAX * STATE_ENTRY_BYTES_MAX + PACKET_TRAILER_BYTES;
/** Incarnations and sequence numbers are u32, as in memberlist. */
export const U32_MAX = 0xffff_ffff;
/** Indirect probes this node relays for others at once; more are dropped and counted. */
export const RELAYS_MAX = 256;
/** Seeds contacted per join attempt. */
export const JOIN_SEEDS_PER_ATTEMPT_MAX = 3;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`membership limits: ${message}`);
}

check(PART_BYTES_MAX + PACKET_HEADER_BYTES + PACKET_TRAILER_BYTES <= PACKET_BYTES_MAX, 'the largest part must fit a packet on its own');
check(PACKET_BYTES_MAX < 2 ** 16, 'a packet length must fit 16 bits');
check(MEMBERS_MAX < 2 ** 21, 'a member count must fit a 3-byte varint');
check(NAME_BYTES_MAX < 256, 'a name length must fit one byte');
