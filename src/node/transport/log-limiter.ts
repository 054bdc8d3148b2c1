import { performance } from 'node:perf_hooks';
import type { LogFn } from '../log.js';

/**
 * Per-event token bucket for log lines an outsider can trigger (bad frames,
 * failed handshakes): a flood of garbage connections must not become a flood
 * of log lines. Suppressed lines are counted and reported on the next one.
 */
export function limitLog(log: LogFn, burst = 20, perSecond = 5): LogFn {
  const buckets = new Map<string, { tokens: number; atMs: number; suppressed: number }>();
  return (event, fields) => {
    const nowMs = performance.now();
    let b = buckets.get(event);
    if (b === undefined) {
      b = { tokens: burst, atMs: nowMs, suppressed: 0 };
      buckets.set(event, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((nowMs - b.atMs) / 1000) * perSecond);
    b.atMs = nowMs;
    if (b.tokens < 1) {
      b.suppressed++;
      return;
    }
    b.tokens -= 1;
    if (b.suppressed > 0) {
      log(event, { ...fields, suppressedBefore: b.suppressed });
      b.suppressed = 0;
    } else {
      log(event, fields);
    }
  };
}
