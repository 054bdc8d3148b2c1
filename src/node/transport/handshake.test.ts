import { describe, expect, it } from 'vitest';
import {
  MAX_HANDSHAKE_BYTES,
  acceptorProof,
  decodeAuth,
  decodeChallenge,
  decodeHello,
  dialerProof,
  encodeChallenge,
  encodeHello,
  newNonce,
  proofsEqual,
  sessionKeys,
  transcript,
} from './handshake.js';

const SECRET = Buffer.from('0123456789abcdef-cluster-secret');

describe('handshake payloads', () => {
  it('round-trip HELLO and CHALLENGE', () => {
    const hello = { clusterId: 'prod', from: 'n1', to: 'n-ü', nonce: newNonce(), frameMac: true };
    expect(decodeHello(encodeHello(hello))).toEqual(hello);
    const challenge = { from: 'n2', nonce: newNonce(), proof: Buffer.alloc(32, 1) };
    expect(decodeChallenge(encodeChallenge(challenge))).toEqual(challenge);
    expect(decodeAuth(Buffer.alloc(32, 2))).toEqual(Buffer.alloc(32, 2));
  });

  it('fit the pre-authentication frame cap even with the longest ids', () => {
    const long = 'x'.repeat(255);
    expect(encodeHello({ clusterId: long, from: long, to: long, nonce: newNonce(), frameMac: false }).length).toBeLessThanOrEqual(MAX_HANDSHAKE_BYTES);
  });

  it('refuse truncated, padded or malformed payloads with bad-handshake', () => {
    const hello = encodeHello({ clusterId: 'c', from: 'a', to: 'b', nonce: newNonce(), frameMac: false });
    for (const bad of [hello.subarray(0, hello.length - 1), Buffer.concat([hello, Buffer.of(0)]), Buffer.of(0x80), Buffer.of(0, 0)]) {
      expect(() => decodeHello(bad)).toThrow(expect.objectContaining({ reason: 'bad-handshake' }));
    }
    expect(() => decodeAuth(Buffer.alloc(31))).toThrow(expect.objectContaining({ reason: 'bad-handshake' }));
  });
});

describe('proofs and session keys', () => {
  const t = transcript('c', 'a', 'b', Buffer.alloc(32, 1), Buffer.alloc(32, 2));

  it('differ per role, so one side’s proof cannot be reflected as the other’s', () => {
    expect(proofsEqual(acceptorProof(SECRET, t), dialerProof(SECRET, t))).toBe(false);
    const keys = sessionKeys(SECRET, t);
    expect(keys.dialerToAcceptor.equals(keys.acceptorToDialer)).toBe(false);
  });

  it('depend on the secret, the ids and both nonces', () => {
    const base = dialerProof(SECRET, t);
    expect(proofsEqual(base, dialerProof(Buffer.from('another-secret-of-16+'), t))).toBe(false);
    expect(proofsEqual(base, dialerProof(SECRET, transcript('c', 'a', 'c', Buffer.alloc(32, 1), Buffer.alloc(32, 2))))).toBe(false);
    expect(proofsEqual(base, dialerProof(SECRET, transcript('c', 'a', 'b', Buffer.alloc(32, 1), Buffer.alloc(32, 3))))).toBe(false);
    // Length prefixes: ("ab","c") and ("a","bc") must not collide.
    expect(transcript('x', 'ab', 'c', Buffer.alloc(32), Buffer.alloc(32)).equals(transcript('x', 'a', 'bc', Buffer.alloc(32), Buffer.alloc(32)))).toBe(false);
    expect(proofsEqual(base, dialerProof(SECRET, t))).toBe(true);
  });
});
