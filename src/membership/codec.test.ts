import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodeMessages, encodePacket, encodePart, isValidMemberName } from './codec.js';
import { isMembershipDecodeError, isMembershipEncodeError } from './errors.js';
import { MEMBERS_MAX, PACKET_BYTES_MAX } from './limits.js';
import type { MembershipMessage } from './messages.js';

const name = fc.string({ unit: fc.constantFrom(...'abcxyz019_.:-~!'.split('')), minLength: 1, maxLength: 128 });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const message: fc.Arbitrary<MembershipMessage> = fc.oneof(
  fc.record({ type: fc.constant('ping' as const), seq: u32, target: name }),
  fc.record({ type: fc.constant('indirect-ping' as const), seq: u32, target: name, nack: fc.boolean() }),
  fc.record({ type: fc.constant('ack' as const), seq: u32 }),
  fc.record({ type: fc.constant('nack' as const), seq: u32 }),
  fc.record({ type: fc.constant('alive' as const), incarnation: u32, node: name }),
  fc.record({ type: fc.constant('suspect' as const), incarnation: u32, node: name, from: name }),
  fc.record({ type: fc.constant('dead' as const), incarnation: u32, node: name, from: name }),
);
const pushPull: fc.Arbitrary<MembershipMessage> = fc.record({
  type: fc.constant('push-pull' as const),
  kind: fc.constantFrom('request' as const, 'join' as const, 'response' as const),
  members: fc.array(fc.record({ name, incarnation: u32, state: fc.constantFrom('alive' as const, 'suspect' as const, 'dead' as const, 'left' as const) }), { maxLength: 40 }),
});

function decodeError(bytes: unknown): string {
  try {
    decodePacket(bytes);
  } catch (error) {
    expect(isMembershipDecodeError(error)).toBe(true);
    return (error as Error).message;
  }
  return 'decoded';
}

describe('membership codec', () => {
  it('round-trips every message, alone and piggybacked in compound packets', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), (messages) => {
        const bytes = encodeMessages(messages);
        expect(bytes.length).toBeLessThanOrEqual(PACKET_BYTES_MAX);
        expect(decodePacket(bytes)).toEqual(messages);
      }),
    );
  });

  it('round-trips state exchanges, which travel alone and may exceed a datagram', () => {
    fc.assert(
      fc.property(pushPull, (m) => {
        expect(decodePacket(encodeMessages([m], 1 << 20))).toEqual([m]);
      }),
    );
    const big: MembershipMessage = {
      type: 'push-pull',
      kind: 'response',
      members: Array.from({ length: MEMBERS_MAX }, (_, i) => ({ name: `member-${i}`.padEnd(128, 'x'), incarnation: 0xffff_ffff, state: 'alive' as const })),
    };
    expect(decodePacket(encodeMessages([big], 1 << 20))).toEqual([big]);
  });

  it('detects every single-bit flip and every truncation (the CRC-32C and the length checks)', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), fc.nat(), (messages, pick) => {
        const bytes = encodeMessages(messages);
        const flipped = bytes.slice();
        const bit = pick % (bytes.length * 8);
        flipped[bit >> 3] ^= 1 << (bit & 7);
        expect(decodeError(flipped)).not.toBe('decoded');
        expect(decodeError(bytes.subarray(0, pick % bytes.length))).not.toBe('decoded');
      }),
    );
  });

  it('throws only MembershipDecodeError on arbitrary input, whatever it is', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void decodeError(bytes)));
    for (const junk of [undefined, null, 'ping', 42, {}, [1, 2, 3], new ArrayBuffer(8)]) expect(decodeError(junk)).toMatch(/Uint8Array/);
  });

  it('rejects well-checksummed packets with bad fields', () => {
    const withCrc = (body: number[]) => encodePacket(body.length === 0 ? [new Uint8Array([3, 1])] : [new Uint8Array(body)]);
    expect(decodeError(withCrc([9, 1]))).toMatch(/unknown message type 9/);
    expect(decodeError(withCrc([3, 0x80, 0x00]))).toMatch(/non-minimal varint/);
    expect(decodeError(withCrc([3, 0xff, 0xff, 0xff, 0xff, 0x1f]))).toMatch(/exceeds u32/);
    expect(decodeError(withCrc([1, 1, 0]))).toMatch(/name length 0/);
    expect(decodeError(withCrc([1, 1, 1, 0x20]))).toMatch(/printable ASCII/);
    expect(decodeError(withCrc([2, 1, 1, 0x61, 2]))).toMatch(/nack flag/);
    expect(decodeError(withCrc([3, 1, 7]))).toMatch(/trailing/);
    const twoStates = encodePacket([encodePart({ type: 'push-pull', kind: 'request', members: [] }), encodePart({ type: 'ack', seq: 1 })]);
    expect(decodeError(twoStates)).toMatch(/alone/);
  });

  it('refuses to encode what the limits forbid', () => {
    const tooLong = 'x'.repeat(129);
    for (const bad of [tooLong, '', 'a b', 'ü']) {
      expect(isValidMemberName(bad)).toBe(false);
      expect(() => encodePart({ type: 'alive', incarnation: 1, node: bad })).toThrow(/printable ASCII/);
    }
    expect(() => encodePart({ type: 'ack', seq: 2 ** 32 })).toThrow(/u32/);
    const many = Array.from({ length: 200 }, () => encodePart({ type: 'alive', incarnation: 1, node: 'n'.repeat(100) }));
    try {
      encodePacket(many);
      expect.unreachable();
    } catch (error) {
      expect(isMembershipEncodeError(error)).toBe(true);
    }
  });
});
