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
}

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
  return { id, peers, listen, http, dataDir, clusterSecret, token, httpPeers, allowClockSkew: flags.allowClockSkew === true, logLevel };
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
