import type { Socket } from 'node:net';
import type { Packr } from 'msgpackr';
import type { NodeId } from '../../env/index.js';
import { type LinkContext, rejectAuth, rejectError, rejectFrame } from './context.js';
import { type Frame, FrameDecoder, FrameError, type FrameMac, FrameType, encodeFrame, splitBatch } from './frame.js';
import {
  type Hello,
  MAX_HANDSHAKE_BYTES,
  acceptorProof,
  decodeAuth,
  decodeHello,
  dialerProof,
  encodeChallenge,
  newNonce,
  proofsEqual,
  sessionKeys,
  transcript,
} from './handshake.js';

export interface InboundHooks {
  /** The peer proved the secret: it is now `conn.peerId`'s inbound connection. */
  authenticated(conn: InboundConnection): void;
  closed(conn: InboundConnection): void;
  deliver(from: NodeId, message: unknown): void;
}

type InboundState =
  | { kind: 'hello' }
  | { kind: 'auth'; hello: Hello; transcript: Buffer }
  | { kind: 'ready'; peerId: NodeId; sendMac: FrameMac | undefined; ping: NodeJS.Timeout }
  | { kind: 'closed' };

/**
 * One accepted connection: the peer's outbound link to us. Until the peer
 * proves the cluster secret, frames are capped at the handshake size and
 * nothing reaches the message decoder or the handler; afterwards every
 * frame is checked (crc, and MAC when on) before it is decoded and handed
 * over. The acceptor pings so the dialer can tell a dead link from a quiet one.
 */
export class InboundConnection {
  readonly socket: Socket;
  readonly #ctx: LinkContext;
  readonly #hooks: InboundHooks;
  readonly #packr: Packr;
  readonly #decoder = new FrameDecoder(MAX_HANDSHAKE_BYTES);
  readonly #deadline: NodeJS.Timeout;
  #state: InboundState = { kind: 'hello' };
  #peerId: NodeId | undefined;

  constructor(socket: Socket, ctx: LinkContext, packr: Packr, hooks: InboundHooks) {
    this.socket = socket;
    this.#ctx = ctx;
    this.#hooks = hooks;
    this.#packr = packr;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    this.#deadline = setTimeout(() => {
      if (this.#state.kind !== 'ready') rejectAuth(ctx, socket, 'handshake-timeout', `no handshake within ${ctx.o.handshakeTimeoutMs} ms`);
    }, ctx.o.handshakeTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined); // 'close' follows; a reset from a peer is routine
    socket.on('end', () => this.#onEnd());
    socket.on('close', () => this.#onClose());
  }

  /** The authenticated peer, once the handshake completed (kept after close). */
  get peerId(): NodeId | undefined {
    return this.#peerId;
  }

  get authenticated(): boolean {
    return this.#state.kind === 'ready';
  }

  close(): void {
    this.socket.destroy();
  }

  /** A method, not an inline check: handlers change `#state` behind TypeScript's narrowing. */
  #isClosed(): boolean {
    return this.#state.kind === 'closed';
  }

  #onData(chunk: Buffer): void {
    if (this.#state.kind === 'closed') return;
    this.#ctx.counters.bytesIn += chunk.length;
    try {
      this.#decoder.push(chunk);
      // One frame at a time: AUTH switches the decoder to MACs and the full size cap.
      for (let frame = this.#decoder.next(); frame !== undefined; frame = this.#decoder.next()) {
        this.#ctx.counters.framesIn++;
        this.#onFrame(frame);
        if (this.socket.destroyed || this.#isClosed()) return;
      }
    } catch (e) {
      rejectError(this.#ctx, this.socket, e, this.peerId);
    }
  }

  #onFrame(frame: Frame): void {
    const st = this.#state;
    if (st.kind === 'ready' && frame.type === FrameType.message) return this.#onMessage(st.peerId, frame.payload);
    if (st.kind === 'ready' && frame.type === FrameType.batch) {
      for (const payload of splitBatch(frame.payload)) {
        this.#onMessage(st.peerId, payload);
        if (this.#isClosed()) return; // the handler may close the transport
      }
      return;
    }
    if (st.kind === 'hello' && frame.type === FrameType.hello) return this.#onHello(frame.payload);
    if (st.kind === 'auth' && frame.type === FrameType.auth) return this.#onAuth(st, frame.payload);
    rejectFrame(this.#ctx, this.socket, 'unexpected-frame', `type ${frame.type} in state ${st.kind}`, this.peerId);
  }

  #onHello(payload: Buffer): void {
    const o = this.#ctx.o;
    const hello = decodeHello(payload);
    if (hello.clusterId !== o.clusterId) {
      return rejectAuth(this.#ctx, this.socket, 'wrong-cluster', `dialer is in cluster "${hello.clusterId}", this node in "${o.clusterId}"`, hello.from);
    }
    if (hello.to !== o.nodeId) {
      return rejectAuth(this.#ctx, this.socket, 'wrong-node', `dialer expected node "${hello.to}", this is "${o.nodeId}"`, hello.from);
    }
    if (hello.frameMac !== o.frameMac) {
      return rejectAuth(this.#ctx, this.socket, 'frame-mac-mismatch', `dialer frameMac=${hello.frameMac}, this node frameMac=${o.frameMac}`, hello.from);
    }
    const nonce = newNonce();
    const t = transcript(o.clusterId, hello.from, o.nodeId, hello.nonce, nonce);
    this.#write(encodeFrame(FrameType.challenge, encodeChallenge({ from: o.nodeId, nonce, proof: acceptorProof(o.clusterSecret, t) })));
    this.#state = { kind: 'auth', hello, transcript: t };
  }

  #onAuth(st: Extract<InboundState, { kind: 'auth' }>, payload: Buffer): void {
    const o = this.#ctx.o;
    if (!proofsEqual(decodeAuth(payload), dialerProof(o.clusterSecret, st.transcript))) {
      return rejectAuth(this.#ctx, this.socket, 'bad-proof', 'the dialer could not prove the cluster secret', st.hello.from);
    }
    clearTimeout(this.#deadline);
    let sendMac: FrameMac | undefined;
    if (o.frameMac) {
      const keys = sessionKeys(o.clusterSecret, st.transcript);
      this.#decoder.requireMac(keys.dialerToAcceptor);
      sendMac = { key: keys.acceptorToDialer, seq: 0 };
    }
    this.#decoder.setMaxPayloadBytes(o.maxFrameBytes);
    const ping = setInterval(() => this.#ping(), o.pingIntervalMs);
    ping.unref();
    this.#peerId = st.hello.from;
    this.#state = { kind: 'ready', peerId: st.hello.from, sendMac, ping };
    this.#write(encodeFrame(FrameType.welcome, new Uint8Array(0), sendMac));
    this.#ctx.counters.accepted++;
    this.#hooks.authenticated(this);
  }

  #onMessage(from: NodeId, payload: Buffer): void {
    let message: unknown;
    try {
      message = this.#packr.unpack(payload);
    } catch (e) {
      throw new FrameError('bad-payload', `undecodable message (${e instanceof Error ? e.message : String(e)})`);
    }
    this.#ctx.counters.messagesIn++;
    this.#hooks.deliver(from, message);
  }

  #ping(): void {
    const st = this.#state;
    // A backed-up socket already proves nothing; skip rather than pile up.
    if (st.kind !== 'ready' || this.socket.writableNeedDrain) return;
    this.#write(encodeFrame(FrameType.ping, new Uint8Array(0), st.sendMac));
  }

  #write(frame: Buffer): void {
    this.#ctx.counters.framesOut++;
    this.#ctx.counters.bytesOut += frame.length;
    this.socket.write(frame);
  }

  /** The peer closed its side: a partial frame left over means it was cut mid-frame. */
  #onEnd(): void {
    if (this.#decoder.bufferedBytes > 0 && this.#state.kind !== 'closed') {
      rejectFrame(this.#ctx, this.socket, 'truncated', `connection ended inside a frame (${this.#decoder.bufferedBytes} bytes pending)`, this.peerId);
    } else {
      this.socket.end();
    }
  }

  #onClose(): void {
    const st = this.#state;
    if (st.kind === 'closed') return;
    clearTimeout(this.#deadline);
    if (st.kind === 'ready') clearInterval(st.ping);
    this.#state = { kind: 'closed' };
    this.#hooks.closed(this);
  }
}
