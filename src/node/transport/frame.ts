import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32c } from '../../core/checksum/index.js';

/**
 * Wire frame (all integers big-endian):
 *
 *   [magic u16 = 0xFA17][version u8 = 1][flags u8][length u32][crc32c u32][payload: length bytes][mac: 32 bytes]?
 *
 * - flags: bits 0–3 the frame type, bit 4 set when a MAC trailer follows,
 *   bits 5–7 zero (anything else is rejected: a future version must bump
 *   `version`, not sneak in a flag);
 * - crc32c covers the first 8 header bytes, then the payload;
 * - mac (after the handshake, when enabled) is HMAC-SHA256 under the
 *   direction's session key of `seq u64 ‖ header(12) ‖ payload`, where `seq`
 *   counts that connection's frames in that direction from 0 — so a frame
 *   that is forged, replayed, reordered or dropped by a middlebox fails.
 */
export const FRAME_MAGIC = 0xfa17;
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 12;
export const FRAME_MAC_BYTES = 32;

export const FrameType = {
  hello: 1,
  challenge: 2,
  auth: 3,
  welcome: 4,
  message: 5,
  ping: 6,
  /** Several messages in one frame: `([length u32][msgpack bytes])+`, one crc and one MAC for all. */
  batch: 7,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

const TYPE_MASK = 0x0f;
const FLAG_MAC = 0x10;
const FLAGS_RESERVED = 0xe0;
const MAX_TYPE: number = FrameType.batch;
const BATCH_PREFIX_BYTES = 4;

/** Why a connection was closed. Stable strings: they label metrics. */
export type FrameErrorReason =
  | 'bad-magic'
  | 'bad-version'
  | 'bad-flags'
  | 'too-large'
  | 'bad-checksum'
  | 'mac-missing'
  | 'bad-mac'
  | 'bad-payload'
  | 'bad-handshake'
  | 'unexpected-frame'
  | 'truncated';

const FRAME_ERROR_CODE = 'FAULTLINE_BAD_FRAME';

/** Bytes from a peer that are not a valid frame here. The connection is closed; the process goes on. */
export class FrameError extends Error {
  readonly code = FRAME_ERROR_CODE;
  override readonly name = 'FrameError';
  readonly reason: FrameErrorReason;

  constructor(reason: FrameErrorReason, message: string) {
    super(`${reason}: ${message}`);
    this.reason = reason;
  }
}

export function isFrameError(e: unknown): e is FrameError {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === FRAME_ERROR_CODE;
}

export interface Frame {
  type: FrameTypeCode;
  payload: Buffer;
}

/** MAC state of one direction of one connection. */
export interface FrameMac {
  readonly key: Buffer;
  /** Frames MACed so far in this direction; the next frame's sequence number. */
  seq: number;
}

/** Encode one frame; with `mac`, append its tag and advance `mac.seq`. */
export function encodeFrame(type: FrameTypeCode, payload: Uint8Array, mac?: FrameMac): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length + (mac === undefined ? 0 : FRAME_MAC_BYTES));
  frame.set(payload, FRAME_HEADER_BYTES);
  return sealFrame(frame, type, payload.length, mac);
}

/** Bytes a batch of these payloads takes as a frame payload. */
export function batchPayloadBytes(payloadBytes: number, count: number): number {
  return payloadBytes + count * BATCH_PREFIX_BYTES;
}

/** Encode several messages as one BATCH frame (one copy each, one crc, one MAC). */
export function encodeBatchFrame(payloads: readonly Uint8Array[], mac?: FrameMac): Buffer {
  let length = 0;
  for (const p of payloads) length += BATCH_PREFIX_BYTES + p.length;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length + (mac === undefined ? 0 : FRAME_MAC_BYTES));
  let at = FRAME_HEADER_BYTES;
  for (const p of payloads) {
    frame.writeUInt32BE(p.length, at);
    frame.set(p, at + BATCH_PREFIX_BYTES);
    at += BATCH_PREFIX_BYTES + p.length;
  }
  return sealFrame(frame, FrameType.batch, length, mac);
}

/** Split a BATCH payload back into messages; any inconsistency is a `bad-payload`. */
export function splitBatch(payload: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < payload.length) {
    if (at + BATCH_PREFIX_BYTES > payload.length) throw new FrameError('bad-payload', 'batch ends inside a length prefix');
    const n = payload.readUInt32BE(at);
    at += BATCH_PREFIX_BYTES;
    if (at + n > payload.length) throw new FrameError('bad-payload', `batch entry of ${n} bytes overruns the frame`);
    parts.push(payload.subarray(at, at + n));
    at += n;
  }
  if (parts.length === 0) throw new FrameError('bad-payload', 'empty batch');
  return parts;
}

/** Fill in the header of a frame whose payload is already in place; append the MAC. */
function sealFrame(frame: Buffer, type: FrameTypeCode, length: number, mac: FrameMac | undefined): Buffer {
  frame.writeUInt16BE(FRAME_MAGIC, 0);
  frame[2] = FRAME_VERSION;
  frame[3] = type | (mac === undefined ? 0 : FLAG_MAC);
  frame.writeUInt32BE(length, 4);
  const end = FRAME_HEADER_BYTES + length;
  const payload = frame.subarray(FRAME_HEADER_BYTES, end);
  frame.writeUInt32BE(crc32c(payload, crc32c(frame.subarray(0, 8))), 8);
  if (mac !== undefined) macOf(mac.key, mac.seq++, frame.subarray(0, FRAME_HEADER_BYTES), payload).copy(frame, end);
  return frame;
}

function macOf(key: Buffer, seq: number, header: Uint8Array, payload: Uint8Array): Buffer {
  const seqBytes = Buffer.allocUnsafe(8);
  seqBytes.writeBigUInt64BE(BigInt(seq));
  return createHmac('sha256', key).update(seqBytes).update(header).update(payload).digest();
}

/**
 * Incremental decoder for one connection's byte stream. Everything is
 * checked before the payload is used: header fields as soon as 12 bytes are
 * in (so an oversized length is refused before anything is buffered for
 * it), then checksum, then MAC. Any violation throws `FrameError`; the
 * caller closes the connection, since the stream can no longer be trusted.
 */
export class FrameDecoder {
  #maxPayloadBytes: number;
  #mac: FrameMac | undefined;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #header: Buffer | undefined;

  constructor(maxPayloadBytes: number) {
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  /** Raise (after authentication) or lower the largest payload accepted. */
  setMaxPayloadBytes(n: number): void {
    this.#maxPayloadBytes = n;
  }

  /** From now on every frame must carry a valid MAC under `key`, counting from seq 0. */
  requireMac(key: Buffer): void {
    this.#mac = { key, seq: 0 };
  }

  /** Bytes received but not yet part of a whole frame (non-zero at close ⇒ truncated frame). */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Buffer bytes from the stream; take frames out with `next()`. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /**
   * The next whole, verified frame, or undefined until more bytes arrive.
   * One frame at a time, so the caller can change what the decoder expects
   * (a MAC key, a larger size cap) between frames, as the handshake does.
   */
  next(): Frame | undefined {
    if (this.#header === undefined) {
      if (this.#buffered < FRAME_HEADER_BYTES) return undefined;
      this.#header = this.#checkHeader(this.#take(FRAME_HEADER_BYTES));
    }
    const header = this.#header;
    const length = header.readUInt32BE(4);
    const macBytes = this.#mac === undefined ? 0 : FRAME_MAC_BYTES;
    if (this.#buffered < length + macBytes) return undefined;
    const payload = this.#take(length);
    if (crc32c(payload, crc32c(header.subarray(0, 8))) !== header.readUInt32BE(8)) {
      throw new FrameError('bad-checksum', `crc32c mismatch on a ${length}-byte payload`);
    }
    if (this.#mac !== undefined) {
      const tag = this.#take(FRAME_MAC_BYTES);
      const expected = macOf(this.#mac.key, this.#mac.seq, header, payload);
      if (!timingSafeEqual(tag, expected)) throw new FrameError('bad-mac', `frame ${this.#mac.seq} failed authentication`);
      this.#mac.seq++;
    }
    this.#header = undefined;
    return { type: (header[3] & TYPE_MASK) as FrameTypeCode, payload };
  }

  /** `push` then every whole frame now available (only when nothing between frames changes the decoder). */
  pushAll(chunk: Buffer): Frame[] {
    this.push(chunk);
    const frames: Frame[] = [];
    for (let f = this.next(); f !== undefined; f = this.next()) frames.push(f);
    return frames;
  }

  #checkHeader(header: Buffer): Buffer {
    const magic = header.readUInt16BE(0);
    if (magic !== FRAME_MAGIC) throw new FrameError('bad-magic', `0x${magic.toString(16)} is not a faultline frame`);
    if (header[2] !== FRAME_VERSION) throw new FrameError('bad-version', `version ${header[2]} (this node speaks ${FRAME_VERSION})`);
    const flags = header[3];
    const type = flags & TYPE_MASK;
    if ((flags & FLAGS_RESERVED) !== 0 || type === 0 || type > MAX_TYPE) {
      throw new FrameError('bad-flags', `flags 0x${flags.toString(16)}`);
    }
    const hasMac = (flags & FLAG_MAC) !== 0;
    if (this.#mac !== undefined && !hasMac) throw new FrameError('mac-missing', 'frame without a MAC on an authenticated connection');
    if (this.#mac === undefined && hasMac) throw new FrameError('bad-flags', 'MAC flag before a session key exists');
    const length = header.readUInt32BE(4);
    if (length > this.#maxPayloadBytes) {
      throw new FrameError('too-large', `payload of ${length} bytes exceeds the limit of ${this.#maxPayloadBytes}`);
    }
    return header;
  }

  /** Remove and return the next `n` buffered bytes (caller checked they are there). */
  #take(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0];
      const used = Math.min(c.length, n - at);
      c.copy(out, at, 0, used);
      at += used;
      if (used === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(used);
    }
    return out;
  }
}
