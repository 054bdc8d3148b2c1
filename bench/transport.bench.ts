/**
 * Node runtime: TCP transport throughput over loopback (with and without
 * per-frame HMAC), the per-frame CPU cost of the codec, and FileDisk group
 * commit (appends/s vs real fdatasyncs/s on this machine's disk).
 *
 * Transport runs are flow-controlled (at most WINDOW messages outstanding) so
 * the bounded queue never drops: the numbers are delivered messages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileDisk } from '../src/node/file-disk.js';
import { FrameDecoder, FrameType, createTransport, encodeFrame } from '../src/node/transport/index.js';
import { formatRate, measureRate, printTable } from './harness.js';

const SECRET = 'bench-cluster-secret-0123456789';
const WINDOW = 2048;
const RUN_MS = 1500;

async function loopback(frameMac: boolean, payloadBytes: number): Promise<{ msgsPerSec: number; mbPerSec: number }> {
  const opts = { listen: { host: '127.0.0.1', port: 0 }, peers: {}, clusterSecret: SECRET, frameMac, maxQueuedMessages: WINDOW * 2 };
  const a = await createTransport({ ...opts, nodeId: 'a' });
  const b = await createTransport({ ...opts, nodeId: 'b' });
  a.setPeer('b', `127.0.0.1:${b.address().port}`);
  let received = 0;
  b.onMessage(() => received++);
  const message = { type: 'append', term: 1, index: 0, data: new Uint8Array(payloadBytes) };
  // Warm up the connection and the JIT.
  let sent = 0;
  const pump = async (untilMs: number): Promise<void> => {
    while (performance.now() < untilMs) {
      while (sent - received < WINDOW) {
        message.index = sent++;
        a.send('b', message);
      }
      await new Promise((r) => setImmediate(r));
    }
  };
  await pump(performance.now() + 300);
  const base = received;
  const start = performance.now();
  await pump(start + RUN_MS);
  const seconds = (performance.now() - start) / 1000;
  const delivered = received - base;
  const wireBytes = a.stats().bytesOut / Math.max(1, a.stats().messagesOut);
  await a.close();
  await b.close();
  if (a.stats().dropsQueueFull > 0) throw new Error('bench: the queue dropped messages; the window is too large');
  return { msgsPerSec: delivered / seconds, mbPerSec: (delivered * wireBytes) / seconds / 2 ** 20 };
}

function codecCost(frameMac: boolean, payloadBytes: number): number {
  const payload = new Uint8Array(payloadBytes);
  const key = Buffer.alloc(32, 1);
  const send = frameMac ? { key, seq: 0 } : undefined;
  const decoder = new FrameDecoder(1 << 24);
  if (frameMac) decoder.requireMac(key);
  const rate = measureRate(`codec ${frameMac ? 'mac' : 'crc'} ${payloadBytes}B`, 100, () => {
    for (let i = 0; i < 100; i++) {
      decoder.push(encodeFrame(FrameType.message, payload, send));
      if (decoder.next() === undefined) throw new Error('bench: frame not decoded');
    }
  }, 700);
  return rate.opsPerSec;
}

async function groupCommit(writers: number): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-disk-'));
  const disk = new FileDisk({ dir });
  const record = new Uint8Array(128);
  let appends = 0;
  let stop = false;
  const start = performance.now();
  const loops = Array.from({ length: writers }, () =>
    new Promise<void>((resolve, reject) => {
      const step = (): void => {
        if (stop) return resolve();
        disk.append('wal', record);
        appends++;
        disk.fsync('wal', (error) => (error ? reject(error) : step()));
      };
      step();
    }),
  );
  await new Promise((r) => setTimeout(r, RUN_MS));
  stop = true;
  await Promise.all(loops);
  const seconds = (performance.now() - start) / 1000;
  const s = disk.stats();
  await disk.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    writers,
    'durable appends/s': formatRate(appends / seconds),
    'fdatasyncs/s': formatRate(s.fileSyncs / seconds),
    'appends per sync': (appends / Math.max(1, s.fileSyncs)).toFixed(1),
    'mean sync ms': (s.syncMsTotal / Math.max(1, s.fileSyncs)).toFixed(2),
    'max sync ms': s.syncMsMax.toFixed(1),
  };
}

export async function run(): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  for (const payloadBytes of [64, 1024, 16 * 1024]) {
    const plain = await loopback(false, payloadBytes);
    const mac = await loopback(true, payloadBytes);
    rows.push({
      payload: `${payloadBytes} B`,
      'msgs/s crc only': formatRate(plain.msgsPerSec),
      'MB/s crc only': plain.mbPerSec.toFixed(1),
      'msgs/s +HMAC': formatRate(mac.msgsPerSec),
      'MB/s +HMAC': mac.mbPerSec.toFixed(1),
      'HMAC/crc': (mac.msgsPerSec / plain.msgsPerSec).toFixed(2),
    });
  }
  console.log('\nloopback a → b, two transports in one process (msgpack encode + frame + TCP + decode + handler):');
  printTable(rows);

  const codecRows = [64, 1024, 16 * 1024].map((payloadBytes) => {
    const crc = codecCost(false, payloadBytes);
    const mac = codecCost(true, payloadBytes);
    return { payload: `${payloadBytes} B`, 'encode+decode crc': formatRate(crc), 'encode+decode +HMAC': formatRate(mac), 'µs added by HMAC': (1e6 / mac - 1e6 / crc).toFixed(2) };
  });
  console.log('\nframe codec alone (no socket, no msgpack):');
  printTable(codecRows);

  const diskRows = [];
  for (const writers of [1, 4, 16, 64]) diskRows.push(await groupCommit(writers));
  console.log(`\nFileDisk group commit: N writers each loop append(128 B) → fsync → repeat, for ${RUN_MS} ms (${tmpdir()}):`);
  printTable(diskRows);
}
