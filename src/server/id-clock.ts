/**
 * The clock Snowflake timestamps come from: never goes backwards, advances at
 * the monotonic clock's rate, and jumps forward to the wall clock whenever the
 * wall clock is ahead. So a wall clock stepped back (NTP, or the test-only skew
 * offset) does not stall ID issuing, and a start floor (the previous holder's
 * high-water mark) is respected even when this node's wall clock is behind it.
 */
export class IdClock {
  readonly #wallNowMs: () => number;
  readonly #monoNowMs: () => number;
  #baseMs: number;
  #monoBaseMs: number;

  constructor(wallNowMs: () => number, monoNowMs: () => number, floorMs: number) {
    this.#wallNowMs = wallNowMs;
    this.#monoNowMs = monoNowMs;
    this.#baseMs = Math.max(Math.floor(wallNowMs()), Math.floor(floorMs));
    this.#monoBaseMs = monoNowMs();
  }

  nowMs(): number {
    const mono = this.#monoNowMs();
    const extrapolated = this.#baseMs + Math.floor(mono - this.#monoBaseMs);
    const wall = Math.floor(this.#wallNowMs());
    if (wall > extrapolated) {
      // Rebase forward only: the result never decreases.
      this.#baseMs = wall;
      this.#monoBaseMs = mono;
      return wall;
    }
    return extrapolated;
  }
}
