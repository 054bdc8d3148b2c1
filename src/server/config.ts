/**
 * `faultline start` flags → a validated `ServerConfig`. Every problem is a
 * `UsageError` with one sentence naming the flag (the CLI exits 2 with it).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LevelWithSilent } from 'pino';
import type { NodeId } from '../env/index.js';
import { MIN_SECRET_BYTES, parsePeerList } from '../node/index.js';
import { LOG_LEVELS } from './logger.js';

export interface ServerConfig {
  readonly id: NodeId;
  /** Where each member is dialled (this node's own entry included, not dialled). */
  readonly peers: Readonly<Record<NodeId, string>>;
  /** Where peers connect to this node (port 0: any free port). */
  readonly listen: { readonly host: string; readonly port: number };
  /** Where the HTTP API listens (port 0: any free port). */
  readonly http: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  readonly clusterSecret: string;
  readonly token: string | undefined;
  /** Each member's HTTP URL as `GET /v1/cluster` shows it. */
  readonly httpPeers: Readonly<Record<NodeId, string>>;
  readonly allowClockSkew: boolean;
  readonly logLevel: LevelWithSilent;
  /** Heartbeat and election timing, as Raft ticks (the same on every node). */
  readonly raftTiming: RaftTiming;
}

/**
 * `--heartbeat-interval-ms` and `--election-timeout-ms` as the replica takes
 * them. Raft ticks at the largest interval ≤ 10 ms that divides both, so
 * the defaults (10 ms, 100 ms) are exactly 1 and 10 ticks of 10 ms.
 */
export interface RaftTiming {
  readonly heartbeatIntervalMs: number;
  /** The lower end: a follower's timeout is drawn from [t, 2t). */
  readonly electionTimeoutMs: number;
  readonly tickIntervalMs: number;
  readonly heartbeatTicks: number;
  readonly electionTicks: number;
}

export const RAFT_TIMING_DEFAULTS = Object.freeze({ heartbeatIntervalMs: 10, electionTimeoutMs: 100 });
/** etcd's rules: an election timeout at least 5 heartbeats long, at most 50 s. */
export const ELECTION_HEARTBEATS_MIN = 5;
export const ELECTION_TIMEOUT_MS_MAX = 50_000;
const TICK_MS_MAX = 10;

export interface StartFlags {
  id?: string;
  peers?: string;
  listen?: string;
  http?: string;
  dataDir?: string;
  secretFile?: string;
  token?: string;
  httpPeers?: string;
  allowClockSkew?: boolean;
  logLevel?: string;
  heartbeatIntervalMs?: string;
  electionTimeoutMs?: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function parseStartFlags(flags: StartFlags, environment: NodeJS.ProcessEnv = process.env): ServerConfig {
  const id = required(flags.id, '--id');
  if (!ID.test(id)) throw new UsageError(`--id must be 1–64 characters of letters, digits, "_", "." or "-" (starting with a letter or digit), got ${JSON.stringify(id)}`);
  let peers: Record<NodeId, string>;
  try {
    peers = parsePeerList(required(flags.peers, '--peers'));
  } catch (e) {
    throw new UsageError(`--peers: ${message(e).replace(/^parsePeerList: /, '')}`);
  }
  for (const peer of Object.keys(peers)) {
    if (!ID.test(peer)) throw new UsageError(`--peers: node id ${JSON.stringify(peer)} must be letters, digits, "_", "." or "-"`);
  }
  if (!Object.hasOwn(peers, id)) throw new UsageError(`--peers must include this node's own id "${id}" (the list is the cluster's founding voters)`);
  const listen = hostPort(flags.listen ?? peers[id]!, '--listen');
  const http = hostPort(required(flags.http, '--http'), '--http');
  const dataDir = resolve(required(flags.dataDir, '--data-dir'));
  const clusterSecret = readSecret(flags.secretFile, environment);
  const token = flags.token;
  if (token !== undefined && (token.length < 1 || token.length > 4096 || /[\s]/.test(token))) {
    throw new UsageError('--token must be 1–4096 characters without whitespace');
  }
  const httpPeers: Record<NodeId, string> = {};
  if (flags.httpPeers !== undefined && flags.httpPeers.trim() !== '') {
    for (const entry of flags.httpPeers.split(/[\s,]+/).filter((e) => e !== '')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new UsageError(`--http-peers entries must look like id=http://host:port, got ${JSON.stringify(entry)}`);
      const peer = entry.slice(0, eq);
      const url = entry.slice(eq + 1);
      if (!Object.hasOwn(peers, peer)) throw new UsageError(`--http-peers names "${peer}", which is not in --peers`);
      if (!/^https?:\/\/[^\s/]+(\/.*)?$/.test(url)) throw new UsageError(`--http-peers: ${JSON.stringify(url)} for "${peer}" is not an http(s) URL`);
      httpPeers[peer] = url.replace(/\/+$/, '');
    }
  }
  const logLevel = (flags.logLevel ?? 'info') as LevelWithSilent;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(flags.logLevel)}`);
  const raftTiming = parseRaftTiming(flags.heartbeatIntervalMs, flags.electionTimeoutMs);
  return { id, peers, listen, http, dataDir, clusterSecret, token, httpPeers, allowClockSkew: flags.allowClockSkew === true, logLevel, raftTiming };
}

/** `--heartbeat-interval-ms` / `--election-timeout-ms` (strings from the command line, or undefined for the defaults). */
export function parseRaftTiming(heartbeat: string | undefined, election: string | undefined): RaftTiming {
  const heartbeatIntervalMs = positiveMs(heartbeat, '--heartbeat-interval-ms', RAFT_TIMING_DEFAULTS.heartbeatIntervalMs);
  const electionTimeoutMs = positiveMs(election, '--election-timeout-ms', RAFT_TIMING_DEFAULTS.electionTimeoutMs);
  if (electionTimeoutMs < ELECTION_HEARTBEATS_MIN * heartbeatIntervalMs) {
    throw new UsageError(
      `--election-timeout-ms (${electionTimeoutMs}) must be at least ${ELECTION_HEARTBEATS_MIN} × --heartbeat-interval-ms (${heartbeatIntervalMs}): ` +
        'a follower must not give up on a leader that misses a heartbeat or two',
    );
  }
  if (electionTimeoutMs > ELECTION_TIMEOUT_MS_MAX) throw new UsageError(`--election-timeout-ms must be at most ${ELECTION_TIMEOUT_MS_MAX}, got ${electionTimeoutMs}`);
  const g = gcd(heartbeatIntervalMs, electionTimeoutMs);
  let tickIntervalMs = Math.min(g, TICK_MS_MAX);
  while (g % tickIntervalMs !== 0) tickIntervalMs--;
  return {
    heartbeatIntervalMs,
    electionTimeoutMs,
    tickIntervalMs,
    heartbeatTicks: heartbeatIntervalMs / tickIntervalMs,
    electionTicks: electionTimeoutMs / tickIntervalMs,
  };
}

function positiveMs(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const t = v.trim();
  if (!/^[1-9][0-9]{0,5}$/.test(t)) throw new UsageError(`${flag} must be a whole number of milliseconds ≥ 1, got ${JSON.stringify(v)}`);
  return Number(t);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function required(v: string | undefined, flag: string): string {
  if (v === undefined || v.trim() === '') throw new UsageError(`${flag} is required`);
  return v.trim();
}

function hostPort(spec: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(spec);
  if (m === null) throw new UsageError(`${flag} must look like host:port, got ${JSON.stringify(spec)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`${flag} port must be at most 65535, got ${port}`);
  return { host: m[1] ?? m[2]!, port };
}

function readSecret(secretFile: string | undefined, environment: NodeJS.ProcessEnv): string {
  let secret: string;
  let source: string;
  if (secretFile !== undefined) {
    source = `--secret-file ${secretFile}`;
    try {
      secret = readFileSync(secretFile, 'utf8').trim();
    } catch (e) {
      throw new UsageError(`cannot read --secret-file ${secretFile}: ${message(e)}`);
    }
  } else if (environment.FAULTLINE_CLUSTER_SECRET !== undefined) {
    source = 'FAULTLINE_CLUSTER_SECRET';
    secret = environment.FAULTLINE_CLUSTER_SECRET.trim();
  } else {
    throw new UsageError('a cluster secret is required: pass --secret-file FILE or set FAULTLINE_CLUSTER_SECRET');
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new UsageError(`the cluster secret from ${source} must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return secret;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
