import { type Server, type Socket, createServer } from 'node:net';
import { Packr } from 'msgpackr';
import type { Network, NodeId } from '../../env/index.js';
import type { LogFn } from '../log.js';
import { type HostPort, parseHostPort } from './address.js';
import type { LinkContext } from './context.js';
import { InboundConnection } from './inbound.js';
import { limitLog } from './log-limiter.js';
import { type TransportOptions, resolveTransportOptions } from './options.js';
import { PeerLink } from './peer-link.js';
import { type TransportStats, newCounters } from './stats.js';

export type MessageHandler = (from: NodeId, message: unknown) => void;

/** Peer-to-peer messaging between node processes; the `Network` half of a Node `Env`. */
export interface Transport extends Network {
  readonly nodeId: NodeId;
  /**
   * Encode `message` now and queue it for `to` (fire and forget; it may be
   * lost). Drops, counted in `stats()`: unknown `to`, encoded size over
   * `maxFrameBytes`, a full queue (the oldest go), after `close()`. Throws
   * only for a message msgpack cannot encode — a programming error.
   * A message to this node itself is delivered (as a decoded copy) on a
   * later turn of the event loop.
   */
  send(to: NodeId, message: unknown): void;
  /** The single handler for incoming messages (last call wins). Messages before it are dropped (counted). */
  onMessage(handler: MessageHandler): void;
  /** Add a peer or change its address (a live connection to the old address is dropped). */
  setPeer(id: NodeId, address: string): void;
  /** Forget a peer: its queue is dropped and its outbound connection closed. */
  removePeer(id: NodeId): void;
  /** The address book. */
  peers(): Record<NodeId, string>;
  /** Peers with an authenticated inbound connection right now. */
  connectedInbound(): NodeId[];
  stats(): TransportStats;
  /** Where this node listens (the real port when `listen.port` was 0). */
  address(): HostPort;
  /** Stop listening, close every connection, drop what is queued. Idempotent. */
  close(): Promise<void>;
}

/**
 * Start listening and return a transport. Connections are one-way: this
 * node sends on one outbound connection per peer and receives on the
 * connections its peers opened, so there is nothing to dedupe. See
 * `src/node/README.md` for the frame format and handshake.
 */
export async function createTransport(options: TransportOptions): Promise<Transport> {
  const o = resolveTransportOptions(options);
  const log: LogFn = o.log ?? (() => undefined);
  const ctx: LinkContext = { o, counters: newCounters(), log, noisyLog: o.log === undefined ? log : limitLog(log) };
  // useRecords: false keeps the wire self-describing (no shared structure table between processes).
  const packr = new Packr({ useRecords: false, moreTypes: false });
  const links = new Map<NodeId, PeerLink>();
  for (const [id, p] of o.peers) links.set(id, new PeerLink(id, p.address, p.hostPort, ctx));
  const pending = new Set<InboundConnection>();
  const inbound = new Map<NodeId, InboundConnection>();
  const unknownLogged = new Set<NodeId>();
  let handler: MessageHandler | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  const deliver = (from: NodeId, message: unknown): void => {
    if (closed) return;
    if (handler === undefined) {
      ctx.counters.dropsNoHandler++;
      return;
    }
    try {
      handler(from, message);
    } catch (e) {
      ctx.counters.handlerErrors++;
      ctx.noisyLog('transport.handler-error', { from, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  };

  const hooks = {
    authenticated(conn: InboundConnection): void {
      pending.delete(conn);
      const id = conn.peerId!;
      const old = inbound.get(id);
      // A newer authenticated connection from the same peer wins: the old one is a previous incarnation's.
      if (old !== undefined && old !== conn) old.close();
      inbound.set(id, conn);
      log('transport.peer-accepted', { peer: id, remote: `${conn.socket.remoteAddress}:${conn.socket.remotePort}` });
    },
    closed(conn: InboundConnection): void {
      pending.delete(conn);
      const id = conn.peerId;
      if (id !== undefined && inbound.get(id) === conn) inbound.delete(id);
    },
    deliver,
  };

  const server: Server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 5000 });
  server.on('connection', (socket: Socket) => {
    if (closed || pending.size >= o.maxPendingHandshakes) {
      ctx.counters.refusedConnections++;
      ctx.noisyLog('transport.connection-refused', { remote: `${socket.remoteAddress}:${socket.remotePort}`, pending: pending.size });
      socket.destroy();
      return;
    }
    pending.add(new InboundConnection(socket, ctx, packr, hooks));
  });
  server.on('error', (e) => log('transport.server-error', { error: String(e) }));
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('createTransport: server is not bound to a TCP address');
  const listenAddress: HostPort = { host: bound.address, port: bound.port };
  log('transport.listening', { address: listenAddress, peers: Object.fromEntries([...links].map(([id, l]) => [id, l.address])) });

  const encode = (to: NodeId, message: unknown): Buffer => {
    try {
      return packr.pack(message);
    } catch (e) {
      throw new TypeError(`Transport.send: message to "${to}" cannot be encoded: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const sendToSelf = (message: unknown): void => {
    const copy = packr.unpack(encode(o.nodeId, message)) as unknown;
    ctx.counters.messagesOut++;
    setImmediate(() => {
      ctx.counters.messagesIn++;
      deliver(o.nodeId, copy);
    });
  };

  return {
    nodeId: o.nodeId,

    send(to: NodeId, message: unknown): void {
      if (closed) {
        ctx.counters.dropsClosed++;
        return;
      }
      if (to === o.nodeId) return sendToSelf(message);
      const link = links.get(to);
      if (link === undefined) {
        ctx.counters.dropsUnknownPeer++;
        if (!unknownLogged.has(to)) {
          unknownLogged.add(to);
          log('transport.unknown-peer', { peer: to });
        }
        return;
      }
      const payload = encode(to, message);
      if (payload.length > o.maxFrameBytes) {
        ctx.counters.dropsOversize++;
        ctx.noisyLog('transport.message-too-large', { peer: to, bytes: payload.length, maxFrameBytes: o.maxFrameBytes });
        return;
      }
      link.send(payload);
    },

    onMessage(h: MessageHandler): void {
      if (typeof h !== 'function') throw new TypeError('Transport.onMessage: handler must be a function');
      handler = h;
    },

    setPeer(id: NodeId, address: string): void {
      if (typeof id !== 'string' || id === '') throw new TypeError('Transport.setPeer: id must be a non-empty string');
      const hp = parseHostPort(address, `Transport.setPeer(${id})`);
      if (closed) return;
      unknownLogged.delete(id);
      const link = links.get(id);
      if (link === undefined) links.set(id, new PeerLink(id, address, hp, ctx));
      else link.setAddress(address, hp);
    },

    removePeer(id: NodeId): void {
      const link = links.get(id);
      if (link === undefined) return;
      link.close();
      links.delete(id);
    },

    peers(): Record<NodeId, string> {
      return Object.fromEntries([...links].map(([id, l]) => [id, l.address]));
    },

    connectedInbound(): NodeId[] {
      return [...inbound.keys()].sort();
    },

    stats(): TransportStats {
      const c = ctx.counters;
      return {
        ...c,
        authFailuresByReason: { ...c.authFailuresByReason },
        badFramesByReason: { ...c.badFramesByReason },
        peers: Object.fromEntries([...links].map(([id, l]) => [id, l.stats()])),
      };
    },

    address(): HostPort {
      return { ...listenAddress };
    },

    close(): Promise<void> {
      if (closing !== undefined) return closing;
      closed = true;
      closing = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const link of links.values()) link.close();
        for (const conn of [...pending, ...inbound.values()]) conn.close();
        log('transport.closed', {});
      });
      return closing;
    },
  };
}
