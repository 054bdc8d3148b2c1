/**
 * What a hostile or broken peer can send to a node's peer port, for tests:
 * garbage, a truncated frame, and an impostor that runs the handshake with the
 * wrong cluster secret. Each resolves when the node hangs up (or rejects
 * after `timeoutMs`: a node that keeps such a connection open fails the test).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { encodeFrame, FrameDecoder, FrameType, FRAME_MAGIC, FRAME_VERSION } from '../../node/index.js';
import { dialerProof, encodeHello, newNonce, transcript, decodeChallenge } from '../../node/transport/handshake.js';

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host, () => resolve(s));
    s.once('error', reject);
  });
}

function closed(s: Socket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.destroyed) return resolve();
    const t = setTimeout(() => reject(new Error(`the node kept the connection open for ${timeoutMs} ms`)), timeoutMs);
    s.on('error', () => undefined);
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    s.resume();
  });
}

export async function sendGarbage(host: string, port: number, bytes: Uint8Array, timeoutMs = 5000): Promise<void> {
  const s = await open(host, port);
  s.write(bytes);
  await closed(s, timeoutMs);
}

/** A valid header promising 100 payload bytes, then 10 bytes, then end of stream. */
export async function sendTruncatedFrame(host: string, port: number, timeoutMs = 5000): Promise<void> {
  const s = await open(host, port);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(FRAME_MAGIC, 0);
  header.writeUInt8(FRAME_VERSION, 2);
  header.writeUInt8(FrameType.hello, 3);
  header.writeUInt32BE(100, 4);
  header.writeUInt32BE(0, 8);
  s.end(Buffer.concat([header, Buffer.alloc(10, 7)]));
  await closed(s, timeoutMs);
}

/** HELLO as `from`, read the CHALLENGE, answer with a proof made from `secret` (the wrong one). */
export async function impostorHandshake(
  host: string,
  port: number,
  o: { from: string; to: string; secret: string; clusterId?: string },
  timeoutMs = 5000,
): Promise<{ gotChallenge: boolean }> {
  const s = await open(host, port);
  const clusterId = o.clusterId ?? 'faultline';
  const nonceD = newNonce();
  s.write(encodeFrame(FrameType.hello, encodeHello({ clusterId, from: o.from, to: o.to, nonce: nonceD, frameMac: true })));
  const decoder = new FrameDecoder(4096);
  let gotChallenge = false;
  s.on('data', (chunk: Buffer) => {
    try {
      for (const f of decoder.pushAll(chunk)) {
        if (f.type !== FrameType.challenge) continue;
        gotChallenge = true;
        const c = decodeChallenge(Buffer.from(f.payload));
        const proof = dialerProof(Buffer.from(o.secret, 'utf8'), transcript(clusterId, o.from, o.to, nonceD, c.nonce));
        s.write(encodeFrame(FrameType.auth, proof));
        // And a message right behind it, as if authenticated.
        s.write(encodeFrame(FrameType.message, Buffer.from([0xa4, 0x65, 0x76, 0x69, 0x6c])));
      }
    } catch {
      s.destroy();
    }
  });
  await closed(s, timeoutMs);
  return { gotChallenge };
}
