/**
 * Payloads of WAL and snapshot records (msgpack), decoded defensively: a
 * payload that passed its checksum but has the wrong shape is corruption
 * (or a format from another version), reported as a reason string.
 */
import { Packr } from 'msgpackr';
import { validateConf, validateEntry } from '../validate.js';
import type { ConfState, Entry, HardState, Snapshot, SnapshotMetadata } from '../types.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export type SnapshotMarkerMode = 'compact' | 'restore';

export interface SnapshotMarker {
  readonly metadata: SnapshotMetadata;
  /** 'restore': the log was replaced by the snapshot (drop every entry); 'compact': drop entries ≤ index. */
  readonly mode: SnapshotMarkerMode;
  readonly file: string;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const isIdx = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** msgpack gives Node Buffers for binary; hand out plain, unshared Uint8Arrays. */
function plainBytes(v: unknown): Uint8Array | null {
  return v instanceof Uint8Array ? new Uint8Array(v) : null;
}

function unpack(payload: Uint8Array): Decoded<unknown> {
  try {
    return { ok: true, value: packr.unpack(payload) as unknown };
  } catch (e) {
    return { ok: false, reason: `undecodable payload (${(e as Error).message})` };
  }
}

export function encodeHardState(h: HardState): Uint8Array {
  return packr.pack({ term: h.term, vote: h.vote, commit: h.commit });
}

export function decodeHardState(payload: Uint8Array): Decoded<HardState> {
  const u = unpack(payload);
  if (!u.ok) return u;
  const v = u.value;
  if (!isObj(v) || !isIdx(v.term) || !isIdx(v.commit) || !(v.vote === null || typeof v.vote === 'string')) {
    return { ok: false, reason: 'malformed hard state' };
  }
  return { ok: true, value: { term: v.term, vote: v.vote, commit: v.commit } };
}

export function encodeEntries(entries: readonly Entry[]): Uint8Array {
  return packr.pack(entries);
}

function reviveEntry(v: unknown): Entry | null {
  if (!isObj(v)) return null;
  const e = v.kind === 'normal' ? { ...v, data: plainBytes(v.data) } : v;
  return validateEntry(e) ? Object.freeze(e) : null;
}

export function decodeEntries(payload: Uint8Array): Decoded<Entry[]> {
  const u = unpack(payload);
  if (!u.ok) return u;
  if (!Array.isArray(u.value) || u.value.length === 0) return { ok: false, reason: 'malformed entries record' };
  const out: Entry[] = [];
  for (const raw of u.value) {
    const e = reviveEntry(raw);
    if (e === null) return { ok: false, reason: 'malformed entry' };
    if (out.length > 0 && (e.index !== out[out.length - 1].index + 1 || e.term < out[out.length - 1].term)) {
      return { ok: false, reason: 'entries record not contiguous' };
    }
    out.push(e);
  }
  return { ok: true, value: out };
}

export function encodeTruncate(fromIndex: number): Uint8Array {
  return packr.pack({ fromIndex });
}

export function decodeTruncate(payload: Uint8Array): Decoded<number> {
  const u = unpack(payload);
  if (!u.ok) return u;
  const v = u.value;
  return isObj(v) && isIdx(v.fromIndex) && v.fromIndex > 0 ? { ok: true, value: v.fromIndex } : { ok: false, reason: 'malformed truncate record' };
}

export function encodeSegmentHeader(seq: number): Uint8Array {
  return packr.pack({ seq, format: 1 });
}

export function decodeSegmentHeader(payload: Uint8Array): Decoded<number> {
  const u = unpack(payload);
  if (!u.ok) return u;
  const v = u.value;
  if (!isObj(v) || !isIdx(v.seq)) return { ok: false, reason: 'malformed segment header' };
  if (v.format !== 1) return { ok: false, reason: `unknown WAL format ${String(v.format)}` };
  return { ok: true, value: v.seq };
}

function decodeMetadata(v: unknown): SnapshotMetadata | null {
  if (!isObj(v) || !isIdx(v.index) || !isIdx(v.term) || !validateConf(v.conf)) return null;
  const conf = v.conf as ConfState;
  return { index: v.index, term: v.term, conf: { voters: [...conf.voters], learners: [...conf.learners] } };
}

export function encodeSnapshotMarker(m: SnapshotMarker): Uint8Array {
  return packr.pack(m);
}

export function decodeSnapshotMarker(payload: Uint8Array): Decoded<SnapshotMarker> {
  const u = unpack(payload);
  if (!u.ok) return u;
  const v = u.value;
  if (!isObj(v) || (v.mode !== 'compact' && v.mode !== 'restore') || typeof v.file !== 'string') {
    return { ok: false, reason: 'malformed snapshot marker' };
  }
  const metadata = decodeMetadata(v.metadata);
  if (metadata === null) return { ok: false, reason: 'malformed snapshot metadata' };
  return { ok: true, value: { metadata, mode: v.mode, file: v.file } };
}

export function encodeSnapshotFile(s: Snapshot): Uint8Array {
  return packr.pack({ metadata: s.metadata, data: s.data });
}

export function decodeSnapshotFile(payload: Uint8Array): Decoded<Snapshot> {
  const u = unpack(payload);
  if (!u.ok) return u;
  const v = u.value;
  if (!isObj(v)) return { ok: false, reason: 'malformed snapshot file' };
  const metadata = decodeMetadata(v.metadata);
  const data = plainBytes(v.data);
  if (metadata === null || data === null) return { ok: false, reason: 'malformed snapshot file' };
  return { ok: true, value: { metadata, data } };
}
