/**
 * Lifeguard's local health ("awareness", memberlist's awareness.go): a score
 * in [0, max − 1], 0 = healthy. A node that misses acks because *it* is slow
 * (overloaded, paused, its own link lossy) would otherwise accuse healthy
 * peers; when the score rises it probes more slowly and waits longer, so its
 * accusations come later and fewer. The score goes up when indirect probes
 * come back without the expected nacks (the helpers could not be heard
 * either: the problem is likely local) and when it has to refute a suspicion
 * about itself; it goes down with every successful probe.
 */
export class Awareness {
  readonly max: number;
  #score = 0;

  constructor(max: number) {
    if (!(Number.isSafeInteger(max) && max >= 1)) throw new RangeError(`Awareness: max must be an integer ≥ 1, got ${max}`);
    this.max = max;
  }

  get score(): number {
    return this.#score;
  }

  /** Add `delta`, clamped to [0, max − 1]. */
  applyDelta(delta: number): void {
    this.#score = Math.min(this.max - 1, Math.max(0, this.#score + delta));
  }

  /** `timeoutMs × (score + 1)`: the worse our own health, the slower we probe. */
  scaleTimeout(timeoutMs: number): number {
    return timeoutMs * (this.#score + 1);
  }
}
