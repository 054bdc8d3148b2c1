/** Option checks shared by the resilience pieces; every message names the API. */

export function invalid(api: string, message: string): RangeError {
  return new RangeError(`${api}: ${message}`);
}

/** A finite number > 0. */
export function positive(api: string, name: string, value: number): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw invalid(api, `${name} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

/** A finite number ≥ 0. */
export function nonNegative(api: string, name: string, value: number): number {
  if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
    throw invalid(api, `${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

/** An integer ≥ `min` (Infinity allowed when `allowInfinity`). */
export function integerAtLeast(api: string, name: string, value: number, min: number, allowInfinity = false): number {
  const ok = typeof value === 'number' && (Number.isSafeInteger(value) || (allowInfinity && value === Infinity)) && value >= min;
  if (!ok) throw invalid(api, `${name} must be an integer ≥ ${min}${allowInfinity ? ' (or Infinity)' : ''}, got ${String(value)}`);
  return value;
}

/** A number in the closed interval [lo, hi]. */
export function inRange(api: string, name: string, value: number, lo: number, hi: number): number {
  if (!(typeof value === 'number' && value >= lo && value <= hi)) {
    throw invalid(api, `${name} must be in [${lo}, ${hi}], got ${String(value)}`);
  }
  return value;
}

/** A time reading: finite. */
export function finiteTime(api: string, name: string, value: number): number {
  if (!(typeof value === 'number' && Number.isFinite(value))) throw invalid(api, `${name} must be a finite time in ms, got ${String(value)}`);
  return value;
}
