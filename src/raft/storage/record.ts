/**
 * WAL record framing: `[length u32 LE][crc32c u32 LE][type u8][payload]`,
 * where `length` is the payload's byte length and the CRC-32C covers the type
 * byte and the payload. A record is either wholly valid or it is damage.
 *
 * Scanning classifies damage the way recovery needs it: a bad record with no
 * valid record anywhere after it is a torn tail (a crash mid-write, safe to
 * cut off); a bad record followed by a valid one is corruption in the middle.
 */
import { crc32c } from '../../core/checksum/index.js';

export const RECORD_HEADER_BYTES = 9;
/** Refuse to believe a length beyond this (a corrupted length field). */
export const RECORD_PAYLOAD_BYTES_MAX = 256 * 1024 * 1024;

export const RecordType = {
  SegmentHeader: 1,
  HardState: 2,
  Entries: 3,
  Truncate: 4,
  SnapshotMarker: 5,
  SnapshotFile: 6,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

const TYPE_MAX = 6;

export interface ScannedRecord {
  readonly type: RecordType;
  readonly payload: Uint8Array;
  /** Byte offset of the record's header in the file. */
  readonly offset: number;
}

export interface RecordDamage {
  readonly offset: number;
  readonly reason: string;
  /** A valid record exists after the damage: corruption, not a torn tail. */
  readonly validRecordAfter: boolean;
}

export interface ScanResult {
  readonly records: ScannedRecord[];
  /** Length of the valid prefix (where a torn tail would be cut). */
  readonly validBytes: number;
  readonly damage: RecordDamage | null;
}

export function encodeRecord(type: RecordType, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.byteLength);
  out[8] = type;
  out.set(payload, RECORD_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.byteLength, true);
  view.setUint32(4, crc32c(out.subarray(8)), true);
  return out;
}

/** The record at `offset`, or a reason it is not valid there. */
function recordAt(bytes: Uint8Array, view: DataView, offset: number): ScannedRecord | string {
  if (bytes.byteLength - offset < RECORD_HEADER_BYTES) return 'incomplete header';
  const length = view.getUint32(offset, true);
  if (length > RECORD_PAYLOAD_BYTES_MAX) return `implausible length ${length}`;
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > bytes.byteLength) return 'incomplete record';
  const type = bytes[offset + 8];
  if (type < 1 || type > TYPE_MAX) return `unknown record type ${type}`;
  if (crc32c(bytes.subarray(offset + 8, end)) !== view.getUint32(offset + 4, true)) return 'checksum mismatch';
  return { type: type as RecordType, payload: bytes.subarray(offset + RECORD_HEADER_BYTES, end), offset };
}

/** Is there any valid record starting after `from`? (Only run on the damage path.) */
function anyValidRecordAfter(bytes: Uint8Array, view: DataView, from: number): boolean {
  for (let p = from + 1; p + RECORD_HEADER_BYTES <= bytes.byteLength; p++) {
    const type = bytes[p + 8];
    if (type < 1 || type > TYPE_MAX) continue;
    if (p + RECORD_HEADER_BYTES + view.getUint32(p, true) > bytes.byteLength) continue;
    if (typeof recordAt(bytes, view, p) !== 'string') return true;
  }
  return false;
}

export function scanRecords(bytes: Uint8Array): ScanResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: ScannedRecord[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    const r = recordAt(bytes, view, offset);
    if (typeof r === 'string') {
      return { records, validBytes: offset, damage: { offset, reason: r, validRecordAfter: anyValidRecordAfter(bytes, view, offset) } };
    }
    records.push(r);
    offset += RECORD_HEADER_BYTES + r.payload.byteLength;
  }
  return { records, validBytes: offset, damage: null };
}
