import type { NodeId } from '../../env/index.js';
import type { LogFn } from '../log.js';
import { type HostPort, parseHostPort } from './address.js';
import { idByteLength } from './handshake.js';

export interface TransportOptions {
  /** This node's id: sent in the handshake, checked by peers against their address book. */
  nodeId: NodeId;
  /** Where to accept peers. Port 0 picks a free port (see `address()`). */
  listen: { host: string; port: number };
  /** Address book: id → `host:port` (or `[ipv6]:port`). Change it later with `setPeer`/`removePeer`. */
  peers: Record<NodeId, string>;
  /** Shared by every node of the cluster; at least 16 bytes. Proves membership in the handshake. */
  clusterSecret: string | Uint8Array;
  /** Keeps two clusters that share a secret (or a misdirected address) apart. @defaultValue 'faultline' */
  clusterId?: string;
  /** Largest encoded message; larger sends are dropped (counted), larger frames close the connection. @defaultValue 16 MiB */
  maxFrameBytes?: number;
  /** Per-peer send queue bound, in messages; the oldest are dropped beyond it. @defaultValue 4096 */
  maxQueuedMessages?: number;
  /** Per-peer send queue bound, in bytes; must be ≥ maxFrameBytes. @defaultValue 64 MiB */
  maxQueuedBytes?: number;
  /**
   * Authenticate every frame after the handshake with HMAC-SHA256 under a
   * per-connection, per-direction session key. Without it, the handshake
   * proves who connected, but anyone who can inject into or hijack the TCP
   * stream could add messages. Both sides must agree. @defaultValue true
   */
  frameMac?: boolean;
  /** Redial backoff: full jitter in [0, min(cap, base·2^attempt)]. @defaultValue 50 */
  reconnectBaseMs?: number;
  /** @defaultValue 2000 */
  reconnectCapMs?: number;
  /** A connection that has not finished the handshake by then is closed. @defaultValue 5000 */
  handshakeTimeoutMs?: number;
  /** The acceptor pings each dialer this often, so a dead link is noticed. @defaultValue 1000 */
  pingIntervalMs?: number;
  /** A dialer that hears nothing (not even a ping) for this long drops and redials. @defaultValue 10000 */
  peerIdleTimeoutMs?: number;
  /** Inbound connections still in the handshake, at most; more are refused. @defaultValue 64 */
  maxPendingHandshakes?: number;
  /** Structured log sink (Env.log shape). Lines an outsider can trigger are rate-limited. */
  log?: LogFn;
  /** Uniform [0, 1) source for backoff jitter. @defaultValue Math.random */
  random?: () => number;
}

export interface ResolvedTransportOptions {
  nodeId: NodeId;
  listen: { host: string; port: number };
  peers: Map<NodeId, { address: string; hostPort: HostPort }>;
  clusterSecret: Buffer;
  clusterId: string;
  maxFrameBytes: number;
  maxQueuedMessages: number;
  maxQueuedBytes: number;
  frameMac: boolean;
  reconnectBaseMs: number;
  reconnectCapMs: number;
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  peerIdleTimeoutMs: number;
  maxPendingHandshakes: number;
  log: LogFn | undefined;
  random: () => number;
}

const API = 'createTransport';
export const MIN_SECRET_BYTES = 16;
/** The length field is a u32, but nobody should buffer more than this per frame. */
const MAX_FRAME_BYTES_LIMIT = 1 << 30;

export function resolveTransportOptions(o: TransportOptions): ResolvedTransportOptions {
  if (typeof o !== 'object' || o === null) throw new TypeError(`${API}: options must be an object`);
  assertId(o.nodeId, 'nodeId');
  const clusterId = o.clusterId ?? 'faultline';
  assertId(clusterId, 'clusterId');
  if (typeof o.listen !== 'object' || o.listen === null || typeof o.listen.host !== 'string' || o.listen.host === '') {
    throw new TypeError(`${API}: listen must be { host, port } with a non-empty host`);
  }
  if (!Number.isInteger(o.listen.port) || o.listen.port < 0 || o.listen.port > 65535) {
    throw new RangeError(`${API}: listen.port must be an integer in [0, 65535], got ${o.listen.port}`);
  }
  const secret =
    typeof o.clusterSecret === 'string'
      ? Buffer.from(o.clusterSecret, 'utf8')
      : o.clusterSecret instanceof Uint8Array
        ? Buffer.from(o.clusterSecret)
        : undefined;
  if (secret === undefined) throw new TypeError(`${API}: clusterSecret must be a string or a Uint8Array`);
  if (secret.length < MIN_SECRET_BYTES) {
    throw new RangeError(`${API}: clusterSecret must be at least ${MIN_SECRET_BYTES} bytes, got ${secret.length}`);
  }
  if (typeof o.peers !== 'object' || o.peers === null) throw new TypeError(`${API}: peers must be an object id → "host:port"`);
  const peers = new Map<NodeId, { address: string; hostPort: HostPort }>();
  for (const [id, address] of Object.entries(o.peers)) {
    assertId(id, `peers key`);
    peers.set(id, { address, hostPort: parseHostPort(address, `${API}: peers.${id}`) });
  }
  const r: ResolvedTransportOptions = {
    nodeId: o.nodeId,
    listen: { host: o.listen.host, port: o.listen.port },
    peers,
    clusterSecret: secret,
    clusterId,
    maxFrameBytes: int(o.maxFrameBytes, 16 * 1024 * 1024, 1, MAX_FRAME_BYTES_LIMIT, 'maxFrameBytes'),
    maxQueuedMessages: int(o.maxQueuedMessages, 4096, 1, 1 << 24, 'maxQueuedMessages'),
    maxQueuedBytes: int(o.maxQueuedBytes, 64 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER, 'maxQueuedBytes'),
    frameMac: o.frameMac ?? true,
    reconnectBaseMs: int(o.reconnectBaseMs, 50, 1, 60_000, 'reconnectBaseMs'),
    reconnectCapMs: int(o.reconnectCapMs, 2000, 1, 3_600_000, 'reconnectCapMs'),
    handshakeTimeoutMs: int(o.handshakeTimeoutMs, 5000, 1, 600_000, 'handshakeTimeoutMs'),
    pingIntervalMs: int(o.pingIntervalMs, 1000, 1, 600_000, 'pingIntervalMs'),
    peerIdleTimeoutMs: int(o.peerIdleTimeoutMs, 10_000, 1, 3_600_000, 'peerIdleTimeoutMs'),
    maxPendingHandshakes: int(o.maxPendingHandshakes, 64, 1, 65_536, 'maxPendingHandshakes'),
    log: o.log,
    random: o.random ?? Math.random,
  };
  if (typeof r.frameMac !== 'boolean') throw new TypeError(`${API}: frameMac must be a boolean`);
  if (typeof r.random !== 'function') throw new TypeError(`${API}: random must be a function`);
  if (r.log !== undefined && typeof r.log !== 'function') throw new TypeError(`${API}: log must be a function`);
  // Relationships between limits (checked once, here, so the code can rely on them).
  if (r.maxQueuedBytes < r.maxFrameBytes) {
    throw new RangeError(`${API}: maxQueuedBytes (${r.maxQueuedBytes}) must be >= maxFrameBytes (${r.maxFrameBytes}) so any sendable message fits`);
  }
  if (r.reconnectCapMs < r.reconnectBaseMs) {
    throw new RangeError(`${API}: reconnectCapMs (${r.reconnectCapMs}) must be >= reconnectBaseMs (${r.reconnectBaseMs})`);
  }
  if (r.peerIdleTimeoutMs <= 2 * r.pingIntervalMs) {
    throw new RangeError(
      `${API}: peerIdleTimeoutMs (${r.peerIdleTimeoutMs}) must exceed 2 × pingIntervalMs (${r.pingIntervalMs}) or one late ping drops a healthy link`,
    );
  }
  return r;
}

function assertId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string' || id === '' || idByteLength(id) > 255) {
    throw new TypeError(`${API}: ${what} must be a non-empty string of at most 255 UTF-8 bytes, got ${JSON.stringify(id)}`);
  }
}

function int(v: number | undefined, dflt: number, min: number, max: number, name: string): number {
  const x = v ?? dflt;
  if (!Number.isSafeInteger(x) || x < min || x > max) throw new RangeError(`${API}: ${name} must be an integer in [${min}, ${max}], got ${x}`);
  return x;
}
