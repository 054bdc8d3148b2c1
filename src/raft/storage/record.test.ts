import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECORD_HEADER_BYTES, RecordType, encodeRecord, scanRecords } from './record.js';

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
};

describe('WAL record framing [length u32][crc32c u32][type u8][payload]', () => {
  it('round-trips any sequence of records', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(1, 2, 3, 4, 5, 6), fc.uint8Array({ maxLength: 64 })), { maxLength: 20 }), (recs) => {
        const bytes = concat(...recs.map(([t, p]) => encodeRecord(t as RecordType, p)));
        const scan = scanRecords(bytes);
        expect(scan.damage).toBeNull();
        expect(scan.validBytes).toBe(bytes.byteLength);
        expect(scan.records.map((r) => [r.type, [...r.payload]])).toEqual(recs.map(([t, p]) => [t, [...p]]));
      }),
    );
  });

  it('lays out the header as documented', () => {
    const rec = encodeRecord(RecordType.Entries, new Uint8Array([1, 2, 3]));
    const view = new DataView(rec.buffer);
    expect(rec.byteLength).toBe(RECORD_HEADER_BYTES + 3);
    expect(view.getUint32(0, true)).toBe(3);
    expect(rec[8]).toBe(RecordType.Entries);
  });

  it('any truncation of the last record is a torn tail (no valid record after it)', () => {
    const a = encodeRecord(RecordType.HardState, new Uint8Array(10).fill(1));
    const b = encodeRecord(RecordType.Entries, new Uint8Array(30).fill(2));
    for (let cut = 1; cut < b.byteLength; cut++) {
      const scan = scanRecords(concat(a, b.subarray(0, cut)));
      expect(scan.records).toHaveLength(1);
      expect(scan.validBytes).toBe(a.byteLength);
      expect(scan.damage?.validRecordAfter).toBe(false);
    }
  });

  it('a flipped bit anywhere in a record followed by a good record is corruption, not a tear', () => {
    const a = encodeRecord(RecordType.HardState, new Uint8Array(12).fill(3));
    const b = encodeRecord(RecordType.Entries, new Uint8Array(20).fill(4));
    for (let at = 0; at < a.byteLength; at++) {
      const bytes = concat(a, b);
      bytes[at] ^= 0x01;
      const scan = scanRecords(bytes);
      expect(scan.damage?.offset).toBe(0);
      expect(scan.damage?.validRecordAfter).toBe(true);
    }
  });

  it('a flipped bit in the last record is damage with nothing valid after it', () => {
    const a = encodeRecord(RecordType.HardState, new Uint8Array(12).fill(3));
    const b = encodeRecord(RecordType.Entries, new Uint8Array(20).fill(4));
    const bytes = concat(a, b);
    bytes[a.byteLength + 12] ^= 0x80;
    const scan = scanRecords(bytes);
    expect(scan.damage).toMatchObject({ offset: a.byteLength, reason: 'checksum mismatch', validRecordAfter: false });
  });
});
