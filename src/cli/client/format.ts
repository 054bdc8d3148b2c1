/** Human-readable output of `faultline status`. */
import type { ClusterStatus } from '../../client/index.js';

export function formatStatus(status: ClusterStatus, leaderEndpoint: string | undefined): string {
  const rows = status.members.map((m) => [
    m.id === status.leader ? `${m.id}*` : m.id,
    m.httpUrl ?? '-',
    m.role,
    m.health,
    m.phi === undefined ? '-' : m.phi >= 1000 ? '>1000' : m.phi.toFixed(2),
  ]);
  const header = ['member', 'http', 'role', 'health', 'phi'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const leader = status.leader === null ? 'none (no quorum?)' : `${status.leader}${leaderEndpoint ? ` at ${leaderEndpoint}` : ''}`;
  return [`leader: ${leader}   term: ${status.term}   commit index: ${status.commitIndex}`, line(header), ...rows.map(line)].join('\n');
}
