/**
 * A 3-member etcd cluster on loopback (Debian's `etcd-server`, fsyncing its
 * WAL as it does by default) and its v3 JSON gateway: `POST /v3/kv/put`
 * and `POST /v3/kv/range` with base64 keys and values; a range is
 * linearizable unless `serializable: true`.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../src/cli/chaos/ports.js';

export interface EtcdCluster {
  readonly endpoints: string[];
  readonly version: string;
  readonly pids: number[];
  leader(): Promise<string | undefined>;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/etcd', '/usr/local/bin/etcd'];

/** The etcd binary, installing Debian's etcd-server when running as root; undefined (with a reason) otherwise. */
export function findOrInstallEtcd(log: (line: string) => void): { binary: string } | { skip: string } {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found !== undefined) return { binary: found };
  if (process.getuid?.() !== 0) return { skip: 'etcd is not installed and this is not root, so it cannot be installed (apt-get install etcd-server); skipping etcd' };
  log('bench:cluster: installing etcd-server with apt-get (root) …');
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'etcd-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch {
    try {
      execFileSync('apt-get', ['update'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'etcd-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (error) {
      return { skip: `apt-get install etcd-server failed (${error instanceof Error ? error.message : String(error)}); skipping etcd` };
    }
  }
  const installed = CANDIDATES.find((p) => existsSync(p));
  return installed !== undefined ? { binary: installed } : { skip: 'etcd-server installed but no etcd binary found; skipping etcd' };
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const r = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return r.ok && ((await r.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcd(binary: string, workDir: string): Promise<EtcdCluster> {
  const host = '127.0.0.1';
  const ports = await freePorts(host, 6);
  const names = ['e1', 'e2', 'e3'];
  const peer = (i: number): string => `http://${host}:${ports[3 + i]}`;
  const client = (i: number): string => `http://${host}:${ports[i]}`;
  const initialCluster = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const version = execFileSync(binary, ['--version']).toString().split('\n')[0].replace('etcd Version: ', '');
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const children: ChildProcess[] = names.map((name, i) => {
    const log = createWriteStream(join(workDir, 'logs', `${name}.log`));
    const child = spawn(
      binary,
      [
        '--name', name,
        '--data-dir', join(workDir, name),
        '--listen-client-urls', client(i),
        '--advertise-client-urls', client(i),
        '--listen-peer-urls', peer(i),
        '--initial-advertise-peer-urls', peer(i),
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', 'faultline-bench',
        '--logger', 'zap',
        '--log-level', 'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return child;
  });
  const endpoints = names.map((_, i) => client(i));
  const deadline = Date.now() + 30_000;
  while (!(await Promise.all(endpoints.map(healthy))).every(Boolean)) {
    if (Date.now() > deadline) throw new Error(`etcd did not become healthy within 30 s (logs in ${join(workDir, 'logs')})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoints,
    version,
    pids: children.map((c) => c.pid!).filter((p) => p !== undefined),
    async leader() {
      for (const endpoint of endpoints) {
        try {
          const r = await fetch(`${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
          const s = (await r.json()) as { header?: { member_id?: string }; leader?: string };
          if (s.leader !== undefined && s.header?.member_id === s.leader) return endpoint;
        } catch {
          // try the next member
        }
      }
      return undefined;
    },
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
