import { randomBytes } from 'node:crypto';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../env/index.js';
import { FRAME_HEADER_BYTES, FrameDecoder, FrameType, encodeBatchFrame, encodeFrame } from './frame.js';
import {
  MAX_HANDSHAKE_BYTES,
  acceptorProof,
  decodeChallenge,
  decodeHello,
  dialerProof,
  encodeChallenge,
  encodeHello,
  newNonce,
  sessionKeys,
  transcript,
} from './handshake.js';
import type { TransportOptions } from './options.js';
import { type Transport, createTransport } from './transport.js';

const SECRET = 'test-cluster-secret-0123456789';
const FAST = { reconnectBaseMs: 5, reconnectCapMs: 50, handshakeTimeoutMs: 2000 } as const;

const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

interface Received {
  from: NodeId;
  message: unknown;
}

interface Node {
  t: Transport;
  inbox: Received[];
  addr: string;
  waitFor(pred: (r: Received[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
}

async function start(id: NodeId, extra: Partial<TransportOptions> = {}): Promise<Node> {
  const t = await createTransport({ nodeId: id, listen: { host: '127.0.0.1', port: 0 }, peers: {}, clusterSecret: SECRET, ...FAST, ...extra });
  open.push(t);
  const inbox: Received[] = [];
  t.onMessage((from, message) => inbox.push({ from, message }));
  return { t, inbox, addr: `127.0.0.1:${t.address().port}`, waitFor: (pred, what, timeoutMs) => until(() => pred(inbox), what, timeoutMs) };
}

async function cluster(ids: NodeId[], extra: Partial<TransportOptions> = {}): Promise<Node[]> {
  const nodes = await Promise.all(ids.map((id) => start(id, extra)));
  for (const a of nodes) for (const [j, b] of nodes.entries()) if (a !== b) a.t.setPeer(ids[j], b.addr);
  return nodes;
}

async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A plain TCP client for hostile tests; resolves `closed` when the server hangs up. */
function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<void>; received: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed, received }));
    socket.once('error', reject);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);
}

/**
 * Dial `port` and run the dialer side of the handshake by hand with `secret`
 * (right or wrong). `checkAcceptor: false` plays an impostor that ignores the
 * acceptor's proof and pushes on to AUTH anyway.
 */
async function rawDial(port: number, opts: { secret: string; from: string; to: string; checkAcceptor?: boolean }) {
  const raw = await rawSocket(port);
  const decoder = new FrameDecoder(MAX_HANDSHAKE_BYTES);
  const nonce = newNonce();
  raw.socket.write(encodeFrame(FrameType.hello, encodeHello({ clusterId: 'faultline', from: opts.from, to: opts.to, nonce, frameMac: true })));
  const challenge = await withTimeout(
    new Promise<Buffer>((resolve) => {
      const onData = (c: Buffer): void => {
        for (const f of decoder.pushAll(c)) {
          if (f.type !== FrameType.challenge) continue;
          raw.socket.off('data', onData); // what follows is MACed; this helper does not read it
          resolve(f.payload);
          return;
        }
      };
      raw.socket.on('data', onData);
    }),
    2000,
    'challenge',
  );
  const c = decodeChallenge(challenge);
  const secret = Buffer.from(opts.secret);
  const t = transcript('faultline', opts.from, opts.to, nonce, c.nonce);
  const acceptorOk = acceptorProof(secret, t).equals(c.proof);
  if (opts.checkAcceptor !== false && !acceptorOk) throw new Error('acceptor proof failed');
  raw.socket.write(encodeFrame(FrameType.auth, dialerProof(secret, t)));
  const keys = sessionKeys(secret, t);
  return { ...raw, sendMac: { key: keys.dialerToAcceptor, seq: 0 }, acceptorOk };
}

describe('transport: delivery', () => {
  it('two nodes exchange messages both ways, content intact', async () => {
    const [a, b] = await cluster(['a', 'b']);
    const msg = { type: 'append', term: 7, entries: [{ index: 1, data: new Uint8Array([1, 2, 3]) }], big: 2n ** 60n, none: null };
    a.t.send('b', msg);
    b.t.send('a', { type: 'ack', term: 7 });
    await b.waitFor((r) => r.length === 1, 'b to receive');
    await a.waitFor((r) => r.length === 1, 'a to receive');
    expect(b.inbox[0].from).toBe('a');
    const got = b.inbox[0].message as typeof msg;
    expect({ ...got, entries: [{ index: 1, data: [...got.entries[0].data] }] }).toEqual({ ...msg, entries: [{ index: 1, data: [1, 2, 3] }] });
    expect(a.inbox[0]).toEqual({ from: 'b', message: { type: 'ack', term: 7 } });
    const s = a.t.stats();
    expect(s.connects).toBe(1);
    expect(s.accepted).toBe(1);
    expect(a.t.connectedInbound()).toEqual(['b']);
  });

  it('three nodes: everyone reaches everyone, in order per sender', async () => {
    const nodes = await cluster(['n1', 'n2', 'n3']);
    const ids = ['n1', 'n2', 'n3'];
    for (let i = 0; i < 200; i++) for (const [k, n] of nodes.entries()) for (const to of ids) if (to !== ids[k]) n.t.send(to, { seq: i });
    for (const n of nodes) await n.waitFor((r) => r.length === 400, 'all messages');
    for (const n of nodes) {
      for (const from of ids) {
        const seqs = n.inbox.filter((r) => r.from === from).map((r) => (r.message as { seq: number }).seq);
        if (seqs.length > 0) expect(seqs).toEqual([...Array(200).keys()]);
      }
    }
  });

  it('delivers to itself (a decoded copy, on a later turn), counts unknown and oversized sends', async () => {
    const [a] = await cluster(['a'], { maxFrameBytes: 1024, maxQueuedBytes: 4096 });
    const msg = { hello: 'me' };
    a.t.send('a', msg);
    expect(a.inbox).toEqual([]);
    await a.waitFor((r) => r.length === 1, 'self delivery');
    expect(a.inbox[0]).toEqual({ from: 'a', message: msg });
    expect(a.inbox[0].message).not.toBe(msg);
    a.t.send('ghost', { x: 1 });
    a.t.setPeer('b', '127.0.0.1:1');
    a.t.send('b', { blob: 'x'.repeat(2000) });
    const s = a.t.stats();
    expect(s.dropsUnknownPeer).toBe(1);
    expect(s.dropsOversize).toBe(1);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => a.t.send('b', cyclic)).toThrow(/Transport.send: message to "b" cannot be encoded/);
  });

  it('a throwing handler is counted and does not stop later deliveries', async () => {
    const [a, b] = await cluster(['a', 'b']);
    let calls = 0;
    b.t.onMessage(() => {
      calls++;
      if (calls === 1) throw new Error('handler bug');
    });
    a.t.send('b', 1);
    a.t.send('b', 2);
    await until(() => calls === 2, 'both deliveries');
    expect(b.t.stats().handlerErrors).toBe(1);
  });

  it('works with frameMac off on both sides, and refuses a MAC-mode mismatch', async () => {
    const [a, b] = await cluster(['a', 'b'], { frameMac: false });
    a.t.send('b', 'plain');
    await b.waitFor((r) => r.length === 1, 'delivery without MAC');
    const c = await start('c', { frameMac: true });
    c.t.setPeer('b', b.addr);
    c.t.send('b', 'mismatch');
    await until(() => (b.t.stats().authFailuresByReason['frame-mac-mismatch'] ?? 0) > 0, 'mismatch refusal');
    expect(b.inbox.map((r) => r.from)).toEqual(['a']);
  });
});

describe('transport: failures and recovery', () => {
  it('reconnects after the peer restarts on the same port and delivers again', async () => {
    const a = await start('a');
    let b = await start('b');
    const port = b.t.address().port;
    a.t.setPeer('b', b.addr);
    a.t.send('b', 'before');
    await b.waitFor((r) => r.length === 1, 'first delivery');
    await b.t.close();
    await until(() => a.t.stats().peers.b.state !== 'ready', 'a to notice the loss');
    b = await start('b', { listen: { host: '127.0.0.1', port } });
    // Messages sent while b was down may be lost (fire and forget); keep sending until one arrives.
    for (let i = 0; !b.inbox.length; i++) {
      a.t.send('b', `after-${i}`);
      await new Promise((r) => setTimeout(r, 20));
      if (i > 150) throw new Error('no delivery after restart');
    }
    expect(a.t.stats().connects).toBeGreaterThanOrEqual(2);
    expect(a.t.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('while the peer is down the queue stays bounded, drops the OLDEST, and the newest arrive once it is up', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const a = await start('a', { maxQueuedMessages: 10 });
    a.t.setPeer('b', `127.0.0.1:${port}`);
    for (let i = 0; i < 50; i++) a.t.send('b', { seq: i });
    const s = a.t.stats();
    expect(s.dropsQueueFull).toBe(40);
    expect(s.peers.b).toMatchObject({ queuedMessages: 10, drops: 40 });
    await until(() => a.t.stats().connectFailures >= 1, 'a failed dial');
    const b = await start('b', { listen: { host: '127.0.0.1', port } });
    await b.waitFor((r) => r.length === 10, 'the 10 queued messages');
    expect(b.inbox.map((r) => (r.message as { seq: number }).seq)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
  });

  it('a dialer that hears nothing from its acceptor drops the link and redials', async () => {
    // A fake acceptor that completes the handshake, then never pings.
    let accepted = 0;
    const fake: Server = createServer((socket) => {
      accepted++;
      const decoder = new FrameDecoder(MAX_HANDSHAKE_BYTES);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        for (const f of decoder.pushAll(chunk)) {
          if (f.type !== FrameType.hello) continue;
          const hello = decodeHello(f.payload);
          const nonce = newNonce();
          const t = transcript('faultline', hello.from, 'mute', hello.nonce, nonce);
          socket.write(encodeFrame(FrameType.challenge, encodeChallenge({ from: 'mute', nonce, proof: acceptorProof(Buffer.from(SECRET), t) })));
          socket.write(encodeFrame(FrameType.welcome, new Uint8Array(0), { key: sessionKeys(Buffer.from(SECRET), t).acceptorToDialer, seq: 0 }));
          socket.removeAllListeners('data');
          socket.on('data', () => undefined); // swallow messages, say nothing
        }
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    open.push({ close: () => new Promise<void>((r) => { fake.close(() => r()); fake.unref(); }) });
    const a = await start('a', { pingIntervalMs: 50, peerIdleTimeoutMs: 200 });
    a.t.setPeer('mute', `127.0.0.1:${(fake.address() as { port: number }).port}`);
    const keepSending = setInterval(() => a.t.send('mute', 'anyone?'), 20);
    try {
      await until(() => accepted >= 2, 'a redial after silence', 3000);
    } finally {
      clearInterval(keepSending);
    }
    expect(a.t.stats().connects).toBeGreaterThanOrEqual(1);
  });

  it('close() is idempotent and later sends are counted as dropped', async () => {
    const [a] = await cluster(['a', 'b']);
    await a.t.close();
    await a.t.close();
    a.t.send('b', 'late');
    expect(a.t.stats().dropsClosed).toBeGreaterThanOrEqual(1);
  });
});

describe('transport: hostile input never crashes the node', () => {
  /** Fire `attack` at b, expect b to hang up and count `reason`, and a→b to still work. */
  async function survives(attack: (port: number) => Promise<{ closed: Promise<void> }>, check: (b: Transport) => boolean, extra: Partial<TransportOptions> = {}) {
    const [a, b] = await cluster(['a', 'b'], extra);
    a.t.send('b', 'warm-up');
    await b.waitFor((r) => r.length === 1, 'warm-up');
    const { closed } = await attack(b.t.address().port);
    await withTimeout(closed, 3000, 'b to close the hostile connection');
    await until(() => check(b.t), 'the right counter');
    a.t.send('b', 'still-serving');
    await b.waitFor((r) => r.length === 2, 'delivery after the attack');
    expect(b.inbox.map((r) => r.message)).toEqual(['warm-up', 'still-serving']);
    return b.t.stats();
  }

  it('random bytes', async () => {
    const s = await survives(
      async (port) => {
        const raw = await rawSocket(port);
        raw.socket.write(Buffer.concat([Buffer.from([0x13, 0x37]), randomBytes(4096)]));
        return raw;
      },
      (b) => (b.stats().badFramesByReason['bad-magic'] ?? 0) === 1,
    );
    expect(s.badFrames).toBe(1);
  });

  it('a frame with a bad checksum (before authentication)', async () => {
    await survives(
      async (port) => {
        const raw = await rawSocket(port);
        const f = encodeFrame(FrameType.hello, encodeHello({ clusterId: 'faultline', from: 'x', to: 'b', nonce: newNonce(), frameMac: true }));
        f[FRAME_HEADER_BYTES + 3] ^= 0xff;
        raw.socket.write(f);
        return raw;
      },
      (b) => (b.stats().badFramesByReason['bad-checksum'] ?? 0) === 1,
    );
  });

  it('an oversized length before authentication (capped at the handshake size)', async () => {
    await survives(
      async (port) => {
        const raw = await rawSocket(port);
        raw.socket.write(encodeFrame(FrameType.hello, Buffer.alloc(4096)).subarray(0, FRAME_HEADER_BYTES));
        return raw;
      },
      (b) => (b.stats().badFramesByReason['too-large'] ?? 0) === 1,
    );
  });

  it('a truncated frame, then the connection closes', async () => {
    await survives(
      async (port) => {
        const raw = await rawSocket(port);
        const f = encodeFrame(FrameType.hello, encodeHello({ clusterId: 'faultline', from: 'x', to: 'b', nonce: newNonce(), frameMac: true }));
        raw.socket.end(f.subarray(0, f.length - 5));
        return raw;
      },
      (b) => (b.stats().badFramesByReason.truncated ?? 0) === 1,
    );
  });

  it('refuses connections beyond maxPendingHandshakes', async () => {
    const [, b] = await cluster(['a', 'b'], { maxPendingHandshakes: 2 });
    const port = b.t.address().port;
    const first = await rawSocket(port);
    const second = await rawSocket(port);
    const third = await rawSocket(port);
    await withTimeout(third.closed, 3000, 'the third connection to be refused');
    expect(b.t.stats().refusedConnections).toBe(1);
    first.socket.destroy();
    second.socket.destroy();
  });

  it('a silent connection is dropped at the handshake timeout', async () => {
    await survives(
      (port) => rawSocket(port),
      (b) => (b.stats().authFailuresByReason['handshake-timeout'] ?? 0) === 1,
      { handshakeTimeoutMs: 200 },
    );
  });

  it('after authentication: bad checksum, undecodable payload, oversized length and a forged MAC each close the connection', async () => {
    const [a, b] = await cluster(['a', 'b'], { maxFrameBytes: 4096, maxQueuedBytes: 8192 });
    const port = b.t.address().port;
    const attacks: Array<[string, (mac: { key: Buffer; seq: number }) => Buffer]> = [
      ['bad-checksum', (mac) => {
        const f = encodeFrame(FrameType.message, Buffer.from([0xa1, 0x78]), mac);
        f[FRAME_HEADER_BYTES] ^= 0x01;
        return f;
      }],
      ['bad-payload', (mac) => encodeFrame(FrameType.message, Buffer.from([0x01, 0x02]), mac)], // trailing bytes
      ['too-large', (mac) => encodeFrame(FrameType.message, Buffer.alloc(5000), mac).subarray(0, FRAME_HEADER_BYTES)],
      ['bad-mac', () => encodeFrame(FrameType.message, Buffer.from([0xa1, 0x78]), { key: Buffer.alloc(32), seq: 0 })],
      ['unexpected-frame', (mac) => encodeFrame(FrameType.hello, Buffer.alloc(0), mac)],
    ];
    // A batch whose second entry's length overruns the frame.
    const overrun = (mac: { key: Buffer; seq: number }): Buffer => {
      const f = encodeBatchFrame([Buffer.from([0xa1, 0x78]), Buffer.from([0xa1, 0x79])], undefined);
      const payload = Buffer.from(f.subarray(FRAME_HEADER_BYTES));
      payload.writeUInt32BE(99, 6);
      return encodeFrame(FrameType.batch, payload, mac);
    };
    for (const [reason, frame] of attacks) {
      const raw = await rawDial(port, { secret: SECRET, from: `rogue-${reason}`, to: 'b' });
      raw.socket.write(frame(raw.sendMac));
      await withTimeout(raw.closed, 3000, `close on ${reason}`);
      expect(b.t.stats().badFramesByReason[reason as 'bad-mac']).toBe(1);
    }
    const raw = await rawDial(port, { secret: SECRET, from: 'rogue-batch', to: 'b' });
    raw.socket.write(overrun(raw.sendMac));
    await withTimeout(raw.closed, 3000, 'close on a malformed batch');
    expect(b.t.stats().badFramesByReason['bad-payload']).toBe(2);
    expect(b.inbox).toEqual([]); // split fails before any entry is decoded
    a.t.setPeer('b', `127.0.0.1:${port}`);
    a.t.send('b', 'fine');
    await b.waitFor((r) => r.some((m) => m.message === 'fine'), 'a good peer after six attacks');
    expect(b.inbox.every((r) => r.from === 'a')).toBe(true);
  });
});

describe('transport: authentication', () => {
  it('a node with the wrong secret can neither join nor get a message delivered', async () => {
    const [a, b] = await cluster(['a', 'b']);
    const evil = await start('evil', { clusterSecret: 'not-the-cluster-secret!!' });
    evil.t.setPeer('b', b.addr);
    for (let i = 0; i < 5; i++) evil.t.send('b', { type: 'vote', granted: true });
    await until(() => evil.t.stats().authFailuresByReason['bad-proof'] !== undefined, 'evil to see b’s proof fail');
    // And the other way: b refuses to talk to a peer that cannot prove the secret.
    b.t.setPeer('evil', evil.addr);
    b.t.send('evil', 'secret data');
    await until(() => (b.t.stats().authFailuresByReason['bad-proof'] ?? 0) >= 1, 'b to refuse evil as an acceptor');
    a.t.send('b', 'legit');
    await b.waitFor((r) => r.length === 1, 'legit delivery');
    expect(b.inbox).toEqual([{ from: 'a', message: 'legit' }]);
    expect(evil.inbox).toEqual([]);
  });

  it('an impostor that ignores the proof and injects frames right after AUTH is never delivered', async () => {
    const [, b] = await cluster(['a', 'b']);
    const raw = await rawDial(b.t.address().port, { secret: 'wrong-secret-but-long-enough', from: 'a', to: 'b', checkAcceptor: false });
    expect(raw.acceptorOk).toBe(false);
    // Frames MACed with the key derived from the wrong secret, and one without a MAC.
    raw.socket.write(encodeFrame(FrameType.message, Buffer.from([0xa4, 0x65, 0x76, 0x69, 0x6c]), raw.sendMac));
    raw.socket.write(encodeFrame(FrameType.message, Buffer.from([0xa4, 0x65, 0x76, 0x69, 0x6c])));
    await withTimeout(raw.closed, 3000, 'b to hang up on the impostor');
    await new Promise((r) => setTimeout(r, 50));
    expect(b.inbox).toEqual([]);
    expect(b.t.stats().authFailuresByReason['bad-proof']).toBe(1);
    expect(b.t.connectedInbound()).toEqual([]);
  });

  it('refuses a dialer from another cluster id, or one that dialed the wrong node', async () => {
    const [, b] = await cluster(['a', 'b']);
    const other = await start('x', { clusterId: 'staging' });
    other.t.setPeer('b', b.addr);
    other.t.send('b', 'hi');
    const misdialed = await start('y');
    misdialed.t.setPeer('c', b.addr); // b is listening where y thinks c is
    misdialed.t.send('c', 'hi');
    await until(() => (b.t.stats().authFailuresByReason['wrong-cluster'] ?? 0) >= 1, 'wrong-cluster refusal');
    await until(() => (b.t.stats().authFailuresByReason['wrong-node'] ?? 0) >= 1, 'wrong-node refusal');
    expect(b.inbox).toEqual([]);
  });
});
