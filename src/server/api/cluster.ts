/** `GET /v1/cluster`, `POST /v1/ids`, `/health`, `/ready`, `/metrics`, `POST /v1/admin/clock`. */
import type { ReplicaMember } from '../../replica/api.js';
import { ApiError } from '../http/errors.js';
import type { Reply, Router } from '../http/router.js';
import { parseWith } from '../http/validate.js';
import type { ApiContext } from './context.js';
import { ok } from './requests.js';
import { clockBodySchema, emptyBodySchema } from './schemas.js';

export interface MemberView {
  readonly id: string;
  readonly httpUrl: string | null;
  readonly role: ReplicaMember['role'];
  readonly health: 'up' | 'suspect' | 'down';
  readonly phi?: number;
  readonly self?: true;
}

export interface ClusterView {
  readonly leader: string | null;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly node: string;
  readonly members: readonly MemberView[];
  readonly ids: ReturnType<ApiContext['ids']['status']>;
}

export function clusterView(api: ApiContext): ClusterView {
  const s = api.replica.status();
  const health = new Map((api.health?.view() ?? []).map((h) => [h.id, h]));
  const roles = new Map(s.members.map((m) => [m.id, m.role]));
  const ids = new Set<string>([...Object.keys(api.httpUrls), ...s.members.map((m) => m.id), api.nodeId]);
  const members: MemberView[] = [...ids].sort().map((id) => {
    const isSelf = id === api.nodeId;
    const h = health.get(id);
    // A peer the φ detector calls down has no role we know: Raft's view of it (or of its leadership) is its last one.
    const down = !isSelf && (h === undefined || h.status === 'down');
    const role: ReplicaMember['role'] = down
      ? 'unknown'
      : id === s.leader
        ? 'leader'
        : isSelf
          ? (s.role as ReplicaMember['role'])
          : (roles.get(id) ?? (s.leader !== null ? 'follower' : 'unknown'));
    const base = { id, httpUrl: api.httpUrls[id] ?? null, role };
    if (isSelf) return { ...base, health: 'up', self: true };
    return h ? { ...base, health: h.status, phi: h.phi } : { ...base, health: 'down' };
  });
  return { leader: s.leader, term: s.term, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, node: api.nodeId, members, ids: api.ids.status() };
}

export function isReady(api: ApiContext): { ready: boolean; reason?: string } {
  const s = api.replica.status();
  if (s.health === 'failed') return { ready: false, reason: s.failure ?? 'the replica failed' };
  if (s.leader === null) return { ready: false, reason: 'no leader is known' };
  if (s.appliedIndex < s.commitIndex) return { ready: false, reason: `applied ${s.appliedIndex} of ${s.commitIndex} committed entries` };
  if (s.leader !== api.nodeId) {
    const leaderHealth = api.health?.view().find((h) => h.id === s.leader);
    if (leaderHealth && leaderHealth.status !== 'up') return { ready: false, reason: `the leader ${s.leader} is ${leaderHealth.status}` };
  }
  return { ready: true };
}

export function addClusterRoutes(router: Router, api: ApiContext): void {
  router.add('GET', '/v1/cluster', () => ok(clusterView(api)));
  router.add('POST', '/v1/ids', async (ctx): Promise<Reply> => {
    parseWith(emptyBodySchema, await ctx.body());
    return ok({ id: api.ids.next() });
  });
  router.add('GET', '/health', () => ok({ ok: true, node: api.nodeId }));
  router.add('GET', '/ready', (): Reply => {
    const r = isReady(api);
    const s = api.replica.status();
    const body = { ready: r.ready, leader: s.leader, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex };
    if (r.ready) return ok(body);
    return { status: 503, body: { ...body, error: { code: 'not_ready', message: r.reason } } };
  });
  router.add('GET', '/metrics', async (): Promise<Reply> => ({ status: 200, body: await api.metrics.text(), contentType: api.metrics.contentType }));
  router.add('POST', '/v1/admin/clock', async (ctx): Promise<Reply> => {
    const clock = api.skewableClock;
    if (clock === undefined) throw new ApiError(404, 'not_found', 'the clock admin endpoint is enabled only with --allow-clock-skew');
    const body = parseWith(clockBodySchema, await ctx.body());
    clock.setWallOffsetMs(body.offsetMs);
    return ok({ offsetMs: clock.wallOffsetMs });
  });
  router.add('GET', '/v1/admin/clock', (): Reply => {
    const clock = api.skewableClock;
    if (clock === undefined) throw new ApiError(404, 'not_found', 'the clock admin endpoint is enabled only with --allow-clock-skew');
    return ok({ offsetMs: clock.wallOffsetMs });
  });
}
