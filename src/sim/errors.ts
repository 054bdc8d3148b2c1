/**
 * Errors a simulator user may catch, branded so the guard works across
 * duplicated packages (cockatiel style).
 */
export type SimulationErrorCode =
  /** An option or argument is out of range or unknown. */
  | 'invalid-option'
  /** A node name that was never added with `host`/`client`. */
  | 'unknown-node'
  /** A verb that does not fit the current state (e.g. adding a node twice). */
  | 'invalid-state'
  /** Code running inside the simulation (a node, a scripted action) threw. */
  | 'callback-threw';

const BRAND = Symbol.for('faultline.SimulationError');

export class SimulationError extends Error {
  readonly [BRAND] = true;
  readonly code: SimulationErrorCode;
  /** Node whose callback threw (`callback-threw` only). */
  readonly nodeId: string | undefined;
  /** Virtual time in ms when it happened (`callback-threw` only). */
  readonly timeMs: number | undefined;

  constructor(code: SimulationErrorCode, message: string, details: { nodeId?: string; timeMs?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SimulationError';
    this.code = code;
    this.nodeId = details.nodeId;
    this.timeMs = details.timeMs;
  }
}

export function isSimulationError(error: unknown): error is SimulationError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}
