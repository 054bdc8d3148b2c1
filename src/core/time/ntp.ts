/**
 * One NTP-style exchange between a client and a peer (RFC 5905 §8):
 *
 *   t0  client sends the request      (client clock)
 *   t1  peer receives it              (peer clock)
 *   t2  peer sends the reply          (peer clock)
 *   t3  client receives the reply     (client clock)
 *
 *   offset θ = ((t1 − t0) + (t2 − t3)) / 2     peer clock minus client clock
 *   delay  δ = (t3 − t0) − (t2 − t1)           the round trip, minus the peer's hold time
 *
 * Whatever the split of δ between the two directions, the true offset at t3
 * lies within θ ± δ/2 (when both clocks keep time during the exchange): the
 * asymmetry of the path is exactly what cannot be measured.
 */

export interface NtpTimestamps {
  readonly t0: number;
  readonly t1: number;
  readonly t2: number;
  readonly t3: number;
}

export interface NtpSample {
  /** θ: peer clock minus client clock, ms. */
  readonly offsetMs: number;
  /** δ: round-trip delay, ms (≥ 0 for a sane exchange). */
  readonly delayMs: number;
}

/** θ and δ of one exchange. Throws RangeError for non-finite timestamps or a reply before its request (t3 < t0, t2 < t1). */
export function ntpSample(ts: NtpTimestamps): NtpSample {
  const { t0, t1, t2, t3 } = ts;
  for (const [name, v] of [['t0', t0], ['t1', t1], ['t2', t2], ['t3', t3]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`ntpSample: ${name} must be a finite number of ms, got ${String(v)}`);
  }
  if (t3 < t0) throw new RangeError(`ntpSample: the reply arrived before the request left (t3 ${t3} < t0 ${t0}): the client clock is not monotonic`);
  if (t2 < t1) throw new RangeError(`ntpSample: the peer replied before it received (t2 ${t2} < t1 ${t1})`);
  return { offsetMs: (t1 - t0 + (t2 - t3)) / 2, delayMs: t3 - t0 - (t2 - t1) };
}
