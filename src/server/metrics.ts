/**
 * `/metrics`: Prometheus text from a private prom-client registry (never the
 * global one: two servers in one test process must not share counters).
 * Replica counters are cumulative, so they are exported as counters advanced
 * by the delta since the last scrape; fsync latency samples are drained from
 * the replica into a histogram.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HttpRequestMetrics } from './request-metrics.js';
import type { Replica } from '../replica/api.js';
import type { Transport } from '../node/index.js';
import type { IdIssuer } from './id-issuer.js';
import type { PeerHealth } from './peer-health.js';

export interface MetricsSources {
  readonly nodeId: string;
  readonly replica: () => Replica | undefined;
  readonly transport?: Transport;
  readonly health?: PeerHealth;
  readonly ids?: () => IdIssuer | undefined;
}

export class ServerMetrics {
  readonly registry = new Registry();
  /** Per-request counts and latencies (cheap on the hot path; see request-metrics.ts). */
  readonly http: HttpRequestMetrics;
  readonly #fsyncSeconds: Histogram;
  readonly #sources: MetricsSources;
  readonly #last = { proposals: 0, commits: 0, elections: 0 };

  constructor(sources: MetricsSources) {
    this.#sources = sources;
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: sources.nodeId });
    collectDefaultMetrics({ register: this.registry, prefix: 'faultline_process_' });
    this.http = new HttpRequestMetrics(this.registry);
    const drainNow = (): void => this.drain();
    this.#fsyncSeconds = new Histogram({
      name: 'faultline_fsync_duration_seconds',
      help: 'Latency of the fsyncs the replica waited for',
      buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers,
      // Serialised before the counters: drain here too, or a first scrape shows no samples.
      collect() {
        drainNow();
      },
    });
    const exported = { proposals: 0, commits: 0, elections: 0 };
    const counterFrom = (name: string, help: string, key: keyof typeof exported): void => {
      const drain = (): void => this.drain();
      const totals = this.#last;
      new Counter({
        name,
        help,
        registers,
        collect() {
          drain();
          const delta = totals[key] - exported[key];
          if (delta > 0) this.inc(delta);
          exported[key] = Math.max(exported[key], totals[key]);
        },
      });
    };
    counterFrom('faultline_raft_proposals_total', 'Entries this node proposed as leader', 'proposals');
    counterFrom('faultline_raft_commits_total', 'Entries this node saw committed', 'commits');
    counterFrom('faultline_raft_elections_total', 'Elections this node started', 'elections');
    const status = (pick: (r: Replica) => number) =>
      function (this: Gauge) {
        const r = sources.replica();
        if (r) this.set(pick(r));
      };
    new Gauge({ name: 'faultline_raft_term', help: 'Current Raft term', registers, collect: status((r) => r.status().term) });
    new Gauge({ name: 'faultline_raft_commit_index', help: 'Highest committed log index known here', registers, collect: status((r) => r.status().commitIndex) });
    new Gauge({ name: 'faultline_raft_applied_index', help: 'Highest log index applied here', registers, collect: status((r) => r.status().appliedIndex) });
    new Gauge({
      name: 'faultline_raft_is_leader',
      help: '1 when this node is the leader',
      registers,
      collect: status((r) => (r.status().leader === r.id ? 1 : 0)),
    });
    new Gauge({
      name: 'faultline_peer_phi',
      help: 'Phi-accrual suspicion of each peer (higher = more likely down)',
      labelNames: ['peer'],
      registers,
      collect() {
        for (const p of sources.health?.view() ?? []) this.set({ peer: p.id }, p.phi);
      },
    });
    new Gauge({
      name: 'faultline_transport_events',
      help: 'Transport counters (frames, bad frames, auth failures, drops, reconnects)',
      labelNames: ['kind'],
      registers,
      collect() {
        const s = sources.transport?.stats();
        if (!s) return;
        for (const kind of ['framesIn', 'framesOut', 'messagesIn', 'messagesOut', 'accepted', 'badFrames', 'authFailures', 'dropsQueueFull', 'dropsOversize', 'reconnects', 'connectFailures'] as const) {
          this.set({ kind }, s[kind]);
        }
      },
    });
    new Gauge({
      name: 'faultline_ids_issued',
      help: 'IDs this node issued since it started',
      registers,
      collect() {
        const i = sources.ids?.();
        if (i) this.set(i.status().issued);
      },
    });
  }

  /** Pull the replica's counters and fsync samples (call periodically, so samples do not pile up there). */
  drain(): void {
    const r = this.#sources.replica();
    if (!r) return;
    const m = r.metrics();
    this.#last.proposals = m.proposals;
    this.#last.commits = m.commits;
    this.#last.elections = m.elections;
    for (const ms of m.fsyncLatencyMs) this.#fsyncSeconds.observe(ms / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
