import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { FrameError } from './frame.js';

/**
 * Handshake payloads: a fixed binary layout, parsed by hand, so nothing an
 * unauthenticated peer sends reaches the general message decoder.
 *
 *   HELLO      dialer → acceptor   [flags u8][clusterId str8][from str8][to str8][nonce 32]
 *   CHALLENGE  acceptor → dialer   [from str8][nonce 32][proof 32]
 *   AUTH       dialer → acceptor   [proof 32]
 *   WELCOME    acceptor → dialer   (empty; the first MACed frame from the acceptor)
 *
 * str8 = [byte length u8][UTF-8]. HELLO flags bit 0: frames carry MACs.
 *
 * Proofs and keys are HMAC-SHA256 under the cluster secret of a label and the
 * transcript (cluster id, dialer id, acceptor id, both nonces, each length-
 * prefixed). Distinct labels per role mean a proof cannot be reflected back
 * as the other side's; fresh nonces on both sides mean no proof or session
 * key from an old connection is any use on a new one.
 */
export const NONCE_BYTES = 32;
export const PROOF_BYTES = 32;
/** Upper bound on any handshake payload; applies before authentication. */
export const MAX_HANDSHAKE_BYTES = 1 + 3 * 256 + NONCE_BYTES;

const HELLO_FLAG_MAC = 0x01;
const LABEL_PROOF_ACCEPTOR = 'faultline/v1/proof/acceptor';
const LABEL_PROOF_DIALER = 'faultline/v1/proof/dialer';
const LABEL_KEY_DIALER_TO_ACCEPTOR = 'faultline/v1/key/dialer-to-acceptor';
const LABEL_KEY_ACCEPTOR_TO_DIALER = 'faultline/v1/key/acceptor-to-dialer';

export interface Hello {
  clusterId: string;
  from: string;
  to: string;
  nonce: Buffer;
  frameMac: boolean;
}

export interface Challenge {
  from: string;
  nonce: Buffer;
  proof: Buffer;
}

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

export function encodeHello(h: Hello): Buffer {
  return Buffer.concat([Buffer.of(h.frameMac ? HELLO_FLAG_MAC : 0), str8(h.clusterId), str8(h.from), str8(h.to), h.nonce]);
}

export function decodeHello(payload: Buffer): Hello {
  const r = new Reader(payload, 'HELLO');
  const flags = r.u8();
  if ((flags & ~HELLO_FLAG_MAC) !== 0) throw new FrameError('bad-handshake', `HELLO flags 0x${flags.toString(16)}`);
  const hello = { frameMac: (flags & HELLO_FLAG_MAC) !== 0, clusterId: r.str8(), from: r.str8(), to: r.str8(), nonce: r.bytes(NONCE_BYTES) };
  r.end();
  return hello;
}

export function encodeChallenge(c: Challenge): Buffer {
  return Buffer.concat([str8(c.from), c.nonce, c.proof]);
}

export function decodeChallenge(payload: Buffer): Challenge {
  const r = new Reader(payload, 'CHALLENGE');
  const c = { from: r.str8(), nonce: r.bytes(NONCE_BYTES), proof: r.bytes(PROOF_BYTES) };
  r.end();
  return c;
}

export function decodeAuth(payload: Buffer): Buffer {
  const r = new Reader(payload, 'AUTH');
  const proof = r.bytes(PROOF_BYTES);
  r.end();
  return proof;
}

/** Everything both sides must agree on, in a form no two different sessions share. */
export function transcript(clusterId: string, dialer: string, acceptor: string, dialerNonce: Buffer, acceptorNonce: Buffer): Buffer {
  return Buffer.concat([str8(clusterId), str8(dialer), str8(acceptor), dialerNonce, acceptorNonce]);
}

export function acceptorProof(secret: Buffer, t: Buffer): Buffer {
  return hmac(secret, LABEL_PROOF_ACCEPTOR, t);
}

export function dialerProof(secret: Buffer, t: Buffer): Buffer {
  return hmac(secret, LABEL_PROOF_DIALER, t);
}

export interface SessionKeys {
  dialerToAcceptor: Buffer;
  acceptorToDialer: Buffer;
}

export function sessionKeys(secret: Buffer, t: Buffer): SessionKeys {
  return { dialerToAcceptor: hmac(secret, LABEL_KEY_DIALER_TO_ACCEPTOR, t), acceptorToDialer: hmac(secret, LABEL_KEY_ACCEPTOR_TO_DIALER, t) };
}

/** Constant-time equality (length is not secret here: proofs are fixed-size). */
export function proofsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function hmac(secret: Buffer, label: string, t: Buffer): Buffer {
  return createHmac('sha256', secret).update(label).update(Buffer.of(0)).update(t).digest();
}

/** UTF-8 byte length of a node or cluster id; must fit str8. */
export function idByteLength(id: string): number {
  return Buffer.byteLength(id, 'utf8');
}

function str8(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length === 0 || bytes.length > 255) throw new RangeError(`handshake: id must be 1–255 UTF-8 bytes, got ${bytes.length}`);
  return Buffer.concat([Buffer.of(bytes.length), bytes]);
}

class Reader {
  #at = 0;
  readonly #buf: Buffer;
  readonly #what: string;

  constructor(buf: Buffer, what: string) {
    this.#buf = buf;
    this.#what = what;
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#at++];
  }

  bytes(n: number): Buffer {
    this.#need(n);
    // Copy: the frame buffer may be a view into a larger socket chunk.
    const out = Buffer.from(this.#buf.subarray(this.#at, this.#at + n));
    this.#at += n;
    return out;
  }

  str8(): string {
    const n = this.u8();
    if (n === 0) throw new FrameError('bad-handshake', `${this.#what}: empty id`);
    this.#need(n);
    const s = this.#buf.toString('utf8', this.#at, this.#at + n);
    this.#at += n;
    return s;
  }

  end(): void {
    if (this.#at !== this.#buf.length) throw new FrameError('bad-handshake', `${this.#what}: ${this.#buf.length - this.#at} trailing bytes`);
  }

  #need(n: number): void {
    if (this.#at + n > this.#buf.length) throw new FrameError('bad-handshake', `${this.#what}: truncated`);
  }
}
