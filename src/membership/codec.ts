/**
 * The binary wire format. A packet is
 *
 *   magic (1) · part count (1) · parts … · CRC-32C of everything before (4, LE)
 *
 * and a part is a type byte followed by its fields: unsigned varints (LEB128,
 * u32 at most) and names (a length byte, then 1–128 printable ASCII bytes).
 * Every limit in `limits.ts` is enforced both ways: `encode*` throws
 * `MembershipEncodeError` for our own bad message (a bug), `decodePacket`
 * throws `MembershipDecodeError` for anything a peer sends that is not
 * exactly a well-formed packet — truncated, trailing bytes, bad checksum,
 * unknown type, non-minimal varint, out-of-range field.
 */
import { crc32c } from '../core/checksum/index.js';
import { MembershipDecodeError, MembershipEncodeError } from './errors.js';
import {
  NAME_BYTES_MAX,
  PACKET_BYTES_MAX,
  PACKET_HEADER_BYTES,
  PACKET_TRAILER_BYTES,
  PARTS_PER_PACKET_MAX,
  STATE_PACKET_BYTES_MAX,
  MEMBERS_MAX,
  U32_MAX,
} from './limits.js';
import type { MemberState, MemberStateEntry, MembershipMessage } from './messages.js';

/** First byte of every packet: protocol 1 of faultline membership. */
export const PACKET_MAGIC = 0xf1;

const TYPE_CODES = { ping: 1, 'indirect-ping': 2, ack: 3, nack: 4, alive: 5, suspect: 6, dead: 7, 'push-pull': 8 } as const;
const STATE_CODES: Record<MemberState, number> = { alive: 0, suspect: 1, dead: 2, left: 3 };
const STATES: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];
const PUSH_PULL_KINDS = ['request', 'join', 'response'] as const;

/** Member names: 1–128 printable ASCII characters without spaces (0x21–0x7e). */
export function isValidMemberName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_BYTES_MAX) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// One scratch buffer for every encode: encoding is synchronous and
// single-threaded, and the result is always copied out.
const scratch = new Uint8Array(STATE_PACKET_BYTES_MAX);

class Writer {
  offset = 0;

  byte(b: number): void {
    scratch[this.offset++] = b;
  }

  varint(value: number, what: string): void {
    if (!(Number.isSafeInteger(value) && value >= 0 && value <= U32_MAX)) throw new MembershipEncodeError(`membership encode: ${what} must be a u32, got ${value}`);
    while (value >= 0x80) {
      scratch[this.offset++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    scratch[this.offset++] = value;
  }

  name(name: string, what: string): void {
    if (!isValidMemberName(name)) throw new MembershipEncodeError(`membership encode: ${what} must be 1–${NAME_BYTES_MAX} printable ASCII characters, got ${JSON.stringify(name)}`);
    scratch[this.offset++] = name.length;
    for (let i = 0; i < name.length; i++) scratch[this.offset++] = name.charCodeAt(i);
  }

  copy(): Uint8Array {
    return scratch.slice(0, this.offset);
  }
}

function writePart(w: Writer, m: MembershipMessage): void {
  w.byte(TYPE_CODES[m.type]);
  switch (m.type) {
    case 'ping':
      w.varint(m.seq, 'seq');
      w.name(m.target, 'target');
      return;
    case 'indirect-ping':
      w.varint(m.seq, 'seq');
      w.name(m.target, 'target');
      w.byte(m.nack ? 1 : 0);
      return;
    case 'ack':
    case 'nack':
      w.varint(m.seq, 'seq');
      return;
    case 'alive':
      w.varint(m.incarnation, 'incarnation');
      w.name(m.node, 'node');
      return;
    case 'suspect':
    case 'dead':
      w.varint(m.incarnation, 'incarnation');
      w.name(m.node, 'node');
      w.name(m.from, 'from');
      return;
    case 'push-pull': {
      if (m.members.length > MEMBERS_MAX) throw new MembershipEncodeError(`membership encode: at most ${MEMBERS_MAX} members per state exchange, got ${m.members.length}`);
      w.byte(PUSH_PULL_KINDS.indexOf(m.kind));
      w.varint(m.members.length, 'member count');
      for (const e of m.members) {
        w.name(e.name, 'member name');
        w.varint(e.incarnation, 'incarnation');
        w.byte(STATE_CODES[e.state]);
      }
      return;
    }
  }
}

/** One message's bytes (a broadcast is encoded once, then piggybacked many times). */
export function encodePart(message: MembershipMessage): Uint8Array {
  const w = new Writer();
  writePart(w, message);
  return w.copy();
}

/**
 * A packet of already-encoded parts, checksummed. Throws when it would exceed
 * `maxBytes` (the datagram limit, or the state-exchange limit for push/pull).
 */
export function encodePacket(parts: readonly Uint8Array[], maxBytes: number = PACKET_BYTES_MAX): Uint8Array {
  if (parts.length < 1 || parts.length > PARTS_PER_PACKET_MAX) throw new MembershipEncodeError(`membership encode: a packet holds 1–${PARTS_PER_PACKET_MAX} parts, got ${parts.length}`);
  let size = PACKET_HEADER_BYTES + PACKET_TRAILER_BYTES;
  for (const p of parts) size += p.length;
  if (size > maxBytes) throw new MembershipEncodeError(`membership encode: packet of ${size} bytes exceeds ${maxBytes}`);
  const out = new Uint8Array(size);
  out[0] = PACKET_MAGIC;
  out[1] = parts.length;
  let at = PACKET_HEADER_BYTES;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  const crc = crc32c(out.subarray(0, at));
  new DataView(out.buffer).setUint32(at, crc, true);
  return out;
}

/** Encode and pack in one step (tests, push/pull). */
export function encodeMessages(messages: readonly MembershipMessage[], maxBytes: number = PACKET_BYTES_MAX): Uint8Array {
  return encodePacket(messages.map(encodePart), maxBytes);
}

class Reader {
  offset: number;
  readonly bytes: Uint8Array;
  readonly end: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.bytes = bytes;
    this.offset = start;
    this.end = end;
  }

  byte(): number {
    if (this.offset >= this.end) throw bad('truncated part');
    return this.bytes[this.offset++];
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw bad('non-minimal varint');
        if (value > U32_MAX) throw bad('varint exceeds u32');
        return value;
      }
      scale *= 0x80;
    }
    throw bad('varint longer than 5 bytes');
  }

  name(): string {
    const length = this.byte();
    if (length === 0 || length > NAME_BYTES_MAX) throw bad(`name length ${length} out of 1–${NAME_BYTES_MAX}`);
    if (this.offset + length > this.end) throw bad('truncated name');
    let s = '';
    for (let i = 0; i < length; i++) {
      const c = this.bytes[this.offset++];
      if (c < 0x21 || c > 0x7e) throw bad('name is not printable ASCII');
      s += String.fromCharCode(c);
    }
    return s;
  }
}

function bad(what: string): MembershipDecodeError {
  return new MembershipDecodeError(`membership decode: ${what}`);
}

function readPart(r: Reader): MembershipMessage {
  const code = r.byte();
  switch (code) {
    case 1:
      return { type: 'ping', seq: r.varint(), target: r.name() };
    case 2: {
      const seq = r.varint();
      const target = r.name();
      const flag = r.byte();
      if (flag > 1) throw bad(`nack flag ${flag}`);
      return { type: 'indirect-ping', seq, target, nack: flag === 1 };
    }
    case 3:
      return { type: 'ack', seq: r.varint() };
    case 4:
      return { type: 'nack', seq: r.varint() };
    case 5:
      return { type: 'alive', incarnation: r.varint(), node: r.name() };
    case 6:
    case 7: {
      const incarnation = r.varint();
      const node = r.name();
      const from = r.name();
      return code === 6 ? { type: 'suspect', incarnation, node, from } : { type: 'dead', incarnation, node, from };
    }
    case 8: {
      const kindCode = r.byte();
      if (kindCode >= PUSH_PULL_KINDS.length) throw bad(`push-pull kind ${kindCode}`);
      const count = r.varint();
      if (count > MEMBERS_MAX) throw bad(`push-pull with ${count} members (max ${MEMBERS_MAX})`);
      const members: MemberStateEntry[] = [];
      for (let i = 0; i < count; i++) {
        const name = r.name();
        const incarnation = r.varint();
        const stateCode = r.byte();
        if (stateCode >= STATES.length) throw bad(`member state ${stateCode}`);
        members.push({ name, incarnation, state: STATES[stateCode] });
      }
      return { type: 'push-pull', kind: PUSH_PULL_KINDS[kindCode], members };
    }
    default:
      throw bad(`unknown message type ${code}`);
  }
}

/**
 * The messages of one packet, or `MembershipDecodeError`. A push/pull must be
 * alone in its packet; any other packet must fit the datagram limit.
 */
export function decodePacket(bytes: unknown, maxBytes: number = PACKET_BYTES_MAX): MembershipMessage[] {
  if (!(bytes instanceof Uint8Array)) throw bad('a packet must be a Uint8Array');
  const size = bytes.length;
  if (size < PACKET_HEADER_BYTES + 1 + PACKET_TRAILER_BYTES) throw bad(`packet of ${size} bytes is too short`);
  if (size > STATE_PACKET_BYTES_MAX) throw bad(`packet of ${size} bytes exceeds ${STATE_PACKET_BYTES_MAX}`);
  if (bytes[0] !== PACKET_MAGIC) throw bad(`bad magic byte 0x${bytes[0].toString(16)}`);
  const end = size - PACKET_TRAILER_BYTES;
  const expected = new DataView(bytes.buffer, bytes.byteOffset, size).getUint32(end, true);
  if (crc32c(bytes.subarray(0, end)) !== expected) throw bad('checksum mismatch');
  const count = bytes[1];
  if (count === 0) throw bad('packet with no parts');
  const r = new Reader(bytes, PACKET_HEADER_BYTES, end);
  const messages: MembershipMessage[] = [];
  for (let i = 0; i < count; i++) messages.push(readPart(r));
  if (r.offset !== end) throw bad(`${end - r.offset} trailing bytes`);
  const isStateExchange = messages.length === 1 && messages[0].type === 'push-pull';
  if (!isStateExchange) {
    if (messages.some((m) => m.type === 'push-pull')) throw bad('push-pull must travel alone');
    if (size > maxBytes) throw bad(`datagram of ${size} bytes exceeds ${maxBytes}`);
  }
  return messages;
}
