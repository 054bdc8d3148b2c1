/** What the route handlers need from the running node. */
import type { NodeId } from '../../env/index.js';
import type { Replica } from '../../replica/api.js';
import type { IdIssuer } from '../id-issuer.js';
import type { ServerMetrics } from '../metrics.js';
import type { PeerHealth } from '../peer-health.js';
import type { WritePath } from './writes.js';

export interface SkewableClock {
  setWallOffsetMs(offsetMs: number): void;
  readonly wallOffsetMs: number;
}

export interface ApiContext {
  readonly nodeId: NodeId;
  readonly replica: Replica;
  readonly writes: WritePath;
  readonly ids: IdIssuer;
  /** Peer health (absent in single-process tests without a transport). */
  readonly health: PeerHealth | undefined;
  /** Every member's HTTP URL, this node's included (from `--http-peers` and `--http`). */
  readonly httpUrls: Readonly<Record<NodeId, string>>;
  readonly metrics: ServerMetrics;
  /** Set only with `--allow-clock-skew`: enables `POST /v1/admin/clock`. */
  readonly skewableClock: SkewableClock | undefined;
}
