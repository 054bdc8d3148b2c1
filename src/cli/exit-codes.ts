/** The CLI's exit-code contract (see docs/ARCHITECTURE.md). */
export const EXIT = {
  /** Success; a check passed. */
  ok: 0,
  /** A violation was found or a check failed. */
  violation: 1,
  /** Bad usage or bad input. */
  usage: 2,
  /** A check ran out of budget: the answer is unknown. */
  unknown: 3,
} as const;
