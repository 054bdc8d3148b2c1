/**
 * Unsigned LEB128 varints for non-negative safe integers (up to 2^53 − 1, at
 * most 8 bytes). Arithmetic instead of bit operators: JS bitwise ops are
 * 32-bit. Internal to the clock encodings.
 */
import { ClockDecodeError } from './errors.js';

const MAX_VARINT_BYTES = 8;

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

/** Writes `value` at `offset`; returns the offset after it. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[offset++] = value;
  return offset;
}

/** Reads a varint at `offset`; returns `[value, nextOffset]`. Rejects non-minimal and oversized forms. */
export function readVarint(bytes: Uint8Array, offset: number, api: string): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (offset >= bytes.length) throw new ClockDecodeError(`${api}: truncated varint`);
    const byte = bytes[offset++];
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      // A final zero byte after a continuation is a non-canonical encoding.
      if (byte === 0 && i > 0) throw new ClockDecodeError(`${api}: non-minimal varint`);
      if (!Number.isSafeInteger(value)) throw new ClockDecodeError(`${api}: varint exceeds 2^53 - 1`);
      return [value, offset];
    }
    scale *= 0x80;
  }
  throw new ClockDecodeError(`${api}: varint longer than ${MAX_VARINT_BYTES} bytes`);
}
