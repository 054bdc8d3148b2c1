/** CPU time (user + system) of processes and of their main threads, from /proc (Linux). */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

function statTicks(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
  } catch {
    return 0; // the process is gone: it contributes nothing more
  }
}

/** Whole processes: every thread (libuv's pool, V8's GC and compiler threads too). */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += statTicks(`/proc/${pid}/stat`);
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

/** The main thread only (the thread id equals the pid): the event loop, where a Node server saturates first. */
export function mainThreadCpuMs(pid: number): number {
  return (statTicks(`/proc/${pid}/task/${pid}/stat`) * 1000) / CLOCK_TICKS_PER_S;
}
