import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

describe('crc32c', () => {
  it('matches the RFC 3720 check value for "123456789"', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });
  it('detects a single flipped bit', () => {
    const data = new TextEncoder().encode('an entry in the replicated log');
    const sum = crc32c(data);
    data[5] ^= 0x10;
    expect(crc32c(data)).not.toBe(sum);
  });
  it('can be computed in pieces', () => {
    const data = new TextEncoder().encode('hello, world');
    expect(crc32c(data.subarray(5), crc32c(data.subarray(0, 5)))).toBe(crc32c(data));
  });
});
