import { type NetConnectOpts, type Socket, connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { NodeId } from '../../env/index.js';
import type { HostPort } from './address.js';
import { fullJitterDelayMs } from './backoff.js';
import { BoundedQueue } from './bounded-queue.js';
import { type LinkContext, rejectAuth, rejectError, rejectFrame } from './context.js';
import { type Frame, FrameDecoder, type FrameMac, FrameType, batchPayloadBytes, encodeBatchFrame, encodeFrame } from './frame.js';
import {
  MAX_HANDSHAKE_BYTES,
  acceptorProof,
  decodeChallenge,
  dialerProof,
  encodeHello,
  newNonce,
  proofsEqual,
  sessionKeys,
  transcript,
} from './handshake.js';
import type { PeerLinkStats } from './stats.js';

/** Socket write buffer before `write()` reports backpressure; beyond it messages wait in the bounded queue. */
const SOCKET_HIGH_WATER_BYTES = 256 * 1024;
/** Queued messages are packed into BATCH frames up to this size (one crc, one MAC, one write each). */
const BATCH_TARGET_BYTES = 64 * 1024;
const BATCH_MAX_MESSAGES = 1024;

type LinkState =
  /** Nothing to send and no connection: the next `send` dials. */
  | { kind: 'idle' }
  /** Waiting out a jittered delay after a lost or failed connection. */
  | { kind: 'backoff'; timer: NodeJS.Timeout }
  /** TCP connect, then HELLO → CHALLENGE → AUTH → WELCOME. */
  | {
      kind: 'connecting';
      socket: Socket;
      decoder: FrameDecoder;
      step: 'tcp' | 'challenge' | 'welcome';
      nonce: Buffer;
      deadline: NodeJS.Timeout;
      sendMac: FrameMac | undefined;
      lastError: string | undefined;
    }
  /** Authenticated: messages flow. */
  | {
      kind: 'ready';
      socket: Socket;
      decoder: FrameDecoder;
      sendMac: FrameMac | undefined;
      lastHeardMs: number;
      watchdog: NodeJS.Timeout;
    }
  | { kind: 'closed' };

/**
 * The one outbound connection to one peer. This node only SENDS on it (the
 * peer sends to us on its own outbound connection, which we accept), so the
 * two directions never race to dedupe. Messages wait in a bounded queue
 * while the link is down or the socket is backed up; the link connects
 * lazily on the first message and redials with jittered backoff.
 */
export class PeerLink {
  readonly id: NodeId;
  #address: string;
  #hostPort: HostPort;
  readonly #ctx: LinkContext;
  readonly #queue: BoundedQueue<Buffer>;
  #state: LinkState = { kind: 'idle' };
  /** Consecutive failed attempts since the last completed handshake. */
  #attempt = 0;
  #flushScheduled = false;
  #dials = 0;
  #drops = 0;
  #reconnects = 0;

  constructor(id: NodeId, address: string, hostPort: HostPort, ctx: LinkContext) {
    this.id = id;
    this.#address = address;
    this.#hostPort = hostPort;
    this.#ctx = ctx;
    this.#queue = new BoundedQueue<Buffer>(ctx.o.maxQueuedMessages, ctx.o.maxQueuedBytes, (b) => b.length);
  }

  get address(): string {
    return this.#address;
  }

  /** Queue an encoded message (fire and forget). */
  send(payload: Buffer): void {
    const st = this.#state;
    if (st.kind === 'closed') {
      this.#ctx.counters.dropsClosed++;
      return;
    }
    const dropped = this.#queue.push(payload);
    if (dropped > 0) {
      this.#drops += dropped;
      this.#ctx.counters.dropsQueueFull += dropped;
      this.#ctx.noisyLog('transport.queue-full', { peer: this.id, dropped, queued: this.#queue.length, state: st.kind });
    }
    if (st.kind === 'idle') this.#dial();
    else if (st.kind === 'ready') this.#scheduleFlush();
  }

  /** Point the link at a new address; a live connection to the old one is dropped. */
  setAddress(address: string, hostPort: HostPort): void {
    if (address === this.#address) return;
    this.#address = address;
    this.#hostPort = hostPort;
    const st = this.#state;
    if (st.kind === 'connecting' || st.kind === 'ready') st.socket.destroy();
  }

  /** Stop for good: drop the connection and the queue (returns how many messages were dropped). */
  close(): number {
    const st = this.#state;
    this.#clearTimers(st);
    if (st.kind === 'connecting' || st.kind === 'ready') st.socket.destroy();
    this.#state = { kind: 'closed' };
    const dropped = this.#queue.clear();
    this.#ctx.counters.dropsClosed += dropped;
    return dropped;
  }

  stats(): PeerLinkStats {
    return {
      address: this.#address,
      state: this.#state.kind,
      queuedMessages: this.#queue.length,
      queuedBytes: this.#queue.bytes,
      drops: this.#drops,
      reconnects: this.#reconnects,
    };
  }

  // --- connection lifecycle ------------------------------------------------

  #dial(): void {
    if (this.#dials++ > 0) {
      this.#reconnects++;
      this.#ctx.counters.reconnects++;
    }
    const { host, port } = this.#hostPort;
    // writableHighWaterMark is honoured by net.Socket (a Duplex option) though @types/node omits it.
    const connectOptions = { host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 5000, writableHighWaterMark: SOCKET_HIGH_WATER_BYTES };
    const socket = connect(connectOptions as NetConnectOpts);
    const deadline = setTimeout(() => {
      if (this.#state.kind === 'connecting' && this.#state.socket === socket) {
        this.#state.lastError = `no completed handshake within ${this.#ctx.o.handshakeTimeoutMs} ms`;
        socket.destroy();
      }
    }, this.#ctx.o.handshakeTimeoutMs);
    this.#state = { kind: 'connecting', socket, decoder: new FrameDecoder(MAX_HANDSHAKE_BYTES), step: 'tcp', nonce: newNonce(), deadline, sendMac: undefined, lastError: undefined };
    socket.on('connect', () => this.#onConnect(socket));
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
    socket.on('drain', () => this.#flush());
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const st = this.#state;
      if (st.kind === 'connecting' && st.socket === socket) st.lastError = e.code ?? e.message;
    });
    socket.on('close', () => this.#onClose(socket));
  }

  #onConnect(socket: Socket): void {
    const st = this.#state;
    if (st.kind !== 'connecting' || st.socket !== socket) return;
    const o = this.#ctx.o;
    this.#write(socket, encodeFrame(FrameType.hello, encodeHello({ clusterId: o.clusterId, from: o.nodeId, to: this.id, nonce: st.nonce, frameMac: o.frameMac })));
    st.step = 'challenge';
  }

  #onData(socket: Socket, chunk: Buffer): void {
    const st = this.#state;
    if ((st.kind !== 'connecting' && st.kind !== 'ready') || st.socket !== socket) return;
    this.#ctx.counters.bytesIn += chunk.length;
    if (st.kind === 'ready') st.lastHeardMs = performance.now();
    try {
      // The state may change between frames (CHALLENGE switches MACs on): re-read the decoder each time.
      st.decoder.push(chunk);
      for (;;) {
        const cur = this.#state;
        if ((cur.kind !== 'connecting' && cur.kind !== 'ready') || cur.socket !== socket || socket.destroyed) return;
        const frame = cur.decoder.next();
        if (frame === undefined) return;
        this.#ctx.counters.framesIn++;
        this.#onFrame(socket, frame);
      }
    } catch (e) {
      rejectError(this.#ctx, socket, e, this.id);
    }
  }

  #onFrame(socket: Socket, frame: Frame): void {
    const st = this.#state;
    if (st.kind === 'ready') {
      if (frame.type !== FrameType.ping) rejectFrame(this.#ctx, socket, 'unexpected-frame', `type ${frame.type} from an acceptor`, this.id);
      return;
    }
    if (st.kind !== 'connecting') return;
    if (st.step === 'challenge' && frame.type === FrameType.challenge) return this.#onChallenge(socket, st, frame.payload);
    if (st.step === 'welcome' && frame.type === FrameType.welcome) return this.#onWelcome(socket, st);
    rejectFrame(this.#ctx, socket, 'unexpected-frame', `type ${frame.type} during handshake step ${st.step}`, this.id);
  }

  #onChallenge(socket: Socket, st: Extract<LinkState, { kind: 'connecting' }>, payload: Buffer): void {
    const o = this.#ctx.o;
    const c = decodeChallenge(payload);
    if (c.from !== this.id) {
      return rejectAuth(this.#ctx, socket, 'wrong-node', `expected node "${this.id}" at ${this.#address}, found "${c.from}"`, this.id);
    }
    const t = transcript(o.clusterId, o.nodeId, this.id, st.nonce, c.nonce);
    if (!proofsEqual(c.proof, acceptorProof(o.clusterSecret, t))) {
      return rejectAuth(this.#ctx, socket, 'bad-proof', 'the acceptor could not prove the cluster secret', this.id);
    }
    this.#write(socket, encodeFrame(FrameType.auth, dialerProof(o.clusterSecret, t)));
    if (o.frameMac) {
      const keys = sessionKeys(o.clusterSecret, t);
      st.decoder.requireMac(keys.acceptorToDialer);
      st.sendMac = { key: keys.dialerToAcceptor, seq: 0 };
    }
    st.step = 'welcome';
  }

  #onWelcome(socket: Socket, st: Extract<LinkState, { kind: 'connecting' }>): void {
    clearTimeout(st.deadline);
    const checkEveryMs = Math.max(1, Math.min(1000, Math.floor(this.#ctx.o.peerIdleTimeoutMs / 4)));
    const watchdog = setInterval(() => this.#checkIdle(socket), checkEveryMs);
    watchdog.unref();
    this.#state = { kind: 'ready', socket, decoder: st.decoder, sendMac: st.sendMac, lastHeardMs: performance.now(), watchdog };
    this.#attempt = 0;
    this.#ctx.counters.connects++;
    this.#ctx.log('transport.peer-connected', { peer: this.id, address: this.#address, queued: this.#queue.length });
    this.#flush();
  }

  /** Heard nothing, not even the acceptor's pings: the link is dead (a partition, a vanished host) — redial. */
  #checkIdle(socket: Socket): void {
    const st = this.#state;
    if (st.kind !== 'ready' || st.socket !== socket) return;
    const silentMs = performance.now() - st.lastHeardMs;
    if (silentMs > this.#ctx.o.peerIdleTimeoutMs) {
      this.#ctx.log('transport.peer-silent', { peer: this.id, silentMs: Math.round(silentMs) });
      socket.destroy();
    }
  }

  #onClose(socket: Socket): void {
    const st = this.#state;
    if ((st.kind !== 'connecting' && st.kind !== 'ready') || st.socket !== socket) return;
    this.#clearTimers(st);
    if (st.kind === 'ready') {
      this.#ctx.log('transport.peer-disconnected', { peer: this.id, queued: this.#queue.length });
    } else {
      this.#attempt++;
      this.#ctx.counters.connectFailures++;
      this.#ctx.noisyLog('transport.connect-failed', { peer: this.id, address: this.#address, step: st.step, error: st.lastError, attempt: this.#attempt });
    }
    const o = this.#ctx.o;
    const delayMs = fullJitterDelayMs(this.#attempt, o.reconnectBaseMs, o.reconnectCapMs, o.random);
    const timer = setTimeout(() => this.#afterBackoff(timer), delayMs);
    timer.unref();
    this.#state = { kind: 'backoff', timer };
  }

  #afterBackoff(timer: NodeJS.Timeout): void {
    const st = this.#state;
    if (st.kind !== 'backoff' || st.timer !== timer) return;
    if (this.#queue.length === 0) {
      this.#state = { kind: 'idle' };
      return;
    }
    this.#dial();
  }

  #clearTimers(st: LinkState): void {
    if (st.kind === 'backoff') clearTimeout(st.timer);
    else if (st.kind === 'connecting') clearTimeout(st.deadline);
    else if (st.kind === 'ready') clearInterval(st.watchdog);
  }

  // --- sending ---------------------------------------------------------------

  /** Batch every message sent in this tick into one corked write (one syscall for a broadcast). */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    process.nextTick(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const st = this.#state;
    if (st.kind !== 'ready' || st.socket.writableNeedDrain || st.socket.destroyed) return;
    const socket = st.socket;
    const batchLimitBytes = Math.min(BATCH_TARGET_BYTES, this.#ctx.o.maxFrameBytes);
    socket.cork();
    try {
      while (this.#queue.length > 0) {
        const batch = this.#takeBatch(batchLimitBytes);
        const frame = batch.length === 1 ? encodeFrame(FrameType.message, batch[0], st.sendMac) : encodeBatchFrame(batch, st.sendMac);
        this.#ctx.counters.messagesOut += batch.length;
        if (!this.#write(socket, frame)) break; // 'drain' resumes
      }
    } finally {
      socket.uncork();
    }
  }

  /** The oldest queued messages that fit one frame of `limitBytes` (at least one: any message fits a frame alone). */
  #takeBatch(limitBytes: number): Buffer[] {
    const batch = [this.#queue.shift()!];
    let bytes = batch[0].length;
    for (let next = this.#queue.peek(); next !== undefined && batch.length < BATCH_MAX_MESSAGES; next = this.#queue.peek()) {
      if (batchPayloadBytes(bytes + next.length, batch.length + 1) > limitBytes) break;
      batch.push(this.#queue.shift()!);
      bytes += next.length;
    }
    return batch;
  }

  #write(socket: Socket, frame: Buffer): boolean {
    this.#ctx.counters.framesOut++;
    this.#ctx.counters.bytesOut += frame.length;
    return socket.write(frame);
  }
}
