import CRC32C from 'crc-32/crc32c.js';

/**
 * CRC-32C (Castagnoli) of `data`, as an unsigned 32-bit integer. Used on every
 * record on disk and every frame on the wire: corruption is detected, never
 * applied. Pass a previous result as `seed` to checksum data in pieces.
 */
export function crc32c(data: Uint8Array, seed?: number): number {
  return CRC32C.buf(data, seed) >>> 0;
}
