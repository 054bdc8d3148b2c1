/** Option checks for the detectors; every message names the API. */

export function invalid(api: string, message: string): RangeError {
  return new RangeError(`${api}: ${message}`);
}

export function positive(api: string, name: string, value: number): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw invalid(api, `${name} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

export function nonNegative(api: string, name: string, value: number): number {
  if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
    throw invalid(api, `${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

export function integerAtLeast(api: string, name: string, value: number, min: number): number {
  if (!(Number.isSafeInteger(value) && value >= min)) throw invalid(api, `${name} must be an integer ≥ ${min}, got ${String(value)}`);
  return value;
}

export function finiteTime(api: string, value: number): number {
  if (!(typeof value === 'number' && Number.isFinite(value))) throw invalid(api, `nowMs must be a finite time in ms, got ${String(value)}`);
  return value;
}
