/** Small helpers shared by the benchmarks: timing loops and table output. */
import { performance } from 'node:perf_hooks';

export interface Rate {
  name: string;
  ops: number;
  seconds: number;
  opsPerSec: number;
}

/**
 * Call `batch()` (which performs `opsPerBatch` operations) repeatedly for at
 * least `minMs`, after a short warm-up, and report operations per second.
 */
export function measureRate(name: string, opsPerBatch: number, batch: () => void, minMs = 1000): Rate {
  const warmUntil = performance.now() + Math.min(200, minMs / 4);
  while (performance.now() < warmUntil) batch();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMs) {
    batch();
    ops += opsPerBatch;
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  return { name, ops, seconds, opsPerSec: ops / seconds };
}

export function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)} k/s`;
  return `${rate.toFixed(1)} /s`;
}

export function printTable(rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(headers));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of rows) console.log(line(headers.map((h) => String(row[h]))));
}

export function heapUsedMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}
