/** Helpers for tests that run real `faultline start` processes (built CLI in dist/). */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts as freePortsOn } from '../../cli/chaos/ports.js';
import { LocalCluster } from '../../cli/server/local-cluster.js';
import { FileDisk } from '../../node/index.js';
import { MirroredDisk } from '../../replica/index.js';
import type { LocalClusterOptions } from '../../cli/server/local-cluster.js';
import { call, waitFor } from './harness.js';

export const CLI_PATH = resolve('dist/cli/main.js');

export function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build\` before the process tests`);
}

/** `count` distinct free TCP ports on 127.0.0.1 (the chaos cluster's port finder). */
export function freePorts(count: number): Promise<number[]> {
  return freePortsOn('127.0.0.1', count);
}

export interface TestCluster {
  readonly cluster: LocalCluster;
  readonly dataDir: string;
  readonly logs: Map<string, string[]>;
  url(id: string): string;
}

export async function startTestCluster(nodes: number, extra: Partial<LocalClusterOptions> = {}): Promise<TestCluster> {
  assertBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'faultline-cluster-'));
  const ports = await freePorts(2 * nodes);
  const logs = new Map<string, string[]>();
  const cluster = new LocalCluster({
    nodes,
    dataDir,
    httpPorts: ports.slice(0, nodes),
    peerPorts: ports.slice(nodes),
    cliPath: CLI_PATH,
    onLog: (id, line) => {
      const l = logs.get(id) ?? [];
      if (l.length < 20_000) l.push(line);
      logs.set(id, l);
    },
    ...extra,
  });
  await cluster.start();
  return { cluster, dataDir, logs, url: (id) => cluster.node(id).httpUrl };
}

/** Wait until every listed node reports the same leader; returns it. */
export async function waitForLeader(tc: TestCluster, ids: readonly string[], timeoutMs = 15_000): Promise<string> {
  let leader: string | null = null;
  await waitFor(
    async () => {
      const views = await Promise.all(ids.map(async (id) => (await call(tc.url(id), 'GET', '/v1/cluster')).body as { leader: string | null }));
      leader = views[0]!.leader;
      return leader !== null && ids.includes(leader) && views.every((v) => v.leader === leader);
    },
    timeoutMs,
    `a leader agreed by ${ids.join(', ')}`,
  );
  return leader!;
}

/** WAL segment files of a node's data dir, grouped by logical segment (each may have mirror copies). */
export function walSegments(nodeDir: string): Array<{ segment: string; copies: string[] }> {
  const files = readdirSync(nodeDir).filter((f) => /wal.*\.log(\.m\d+)?$/.test(f)).sort();
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const segment = f.replace(/\.m\d+$/, '');
    groups.set(segment, [...(groups.get(segment) ?? []), join(nodeDir, f)]);
  }
  return [...groups].map(([segment, copies]) => ({ segment, copies }));
}

/**
 * Flip bytes in the middle of the first segment — in every copy (durable data
 * lost, valid records after it) or in the first copy only (the mirror can repair).
 */
export function corruptMidLog(nodeDir: string, which: 'all-copies' | 'one-copy' = 'all-copies'): string {
  const seg = walSegments(nodeDir)[0];
  if (!seg) throw new Error(`no WAL segment in ${nodeDir}`);
  for (const file of which === 'all-copies' ? seg.copies : seg.copies.slice(0, 1)) {
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length * 0.4);
    for (let i = 0; i < 8; i++) bytes[at + i] = bytes[at + i]! ^ 0x5a;
    writeFileSync(file, bytes);
  }
  return seg.segment;
}

/**
 * A torn Raft record, as a crash mid-append leaves it when the first chunk of
 * the append reached the disk: through the node's own storage layers
 * (FileDisk + MirroredDisk), append the start of a record whose header promises
 * 1,000 payload bytes, then fsync. The node must be stopped.
 */
export async function tearLastRecord(nodeDir: string): Promise<string> {
  const disk = new FileDisk({ dir: nodeDir });
  try {
    const md = new MirroredDisk(disk);
    const segment = md.list().filter((f) => /^raft-wal-\d+\.log$/.test(f)).sort().pop();
    if (segment === undefined) throw new Error(`no WAL segment in ${nodeDir}`);
    const partial = new Uint8Array(9 + 10);
    new DataView(partial.buffer).setUint32(0, 1000, true);
    partial[8] = 2;
    md.append(segment, partial);
    await new Promise<void>((res, rej) => md.fsync(segment, (e) => (e ? rej(e) : res())));
    return segment;
  } finally {
    await disk.close();
  }
}

/**
 * A torn storage frame: half a frame at the end of every copy of the last
 * segment (a header promising 65,792 bytes, read the same big- or
 * little-endian, then only 24 bytes), as a crash inside one chunk leaves it.
 */
export function tearTail(nodeDir: string): string {
  const segs = walSegments(nodeDir);
  const seg = segs[segs.length - 1];
  if (!seg) throw new Error(`no WAL segment in ${nodeDir}`);
  const partial = Buffer.concat([Buffer.from([0x00, 0x01, 0x01, 0x00]), Buffer.alloc(24, 0x33)]);
  for (const file of seg.copies) appendFileSync(file, partial);
  return seg.segment;
}
