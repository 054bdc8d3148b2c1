/** Argument checks shared by the API groups: refused before anything is sent. */
import { invalidArgument } from './errors.js';
import type { Fence } from './types.js';

export function key(api: string, value: unknown, field = 'key'): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(api, `${field} must be a non-empty string`);
  return value;
}

export function nonNegativeInteger(api: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalidArgument(api, `${field} must be an integer ≥ 0, got ${String(value)}`);
  return value;
}

export function positiveInteger(api: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw invalidArgument(api, `${field} must be a positive integer, got ${String(value)}`);
  return value;
}

export function fence(api: string, value: Fence | undefined): Fence | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw invalidArgument(api, 'fence must be { lock, token }');
  return { lock: key(api, value.lock, 'fence.lock'), token: nonNegativeInteger(api, 'fence.token', value.token) };
}

/** A path segment: every byte outside [A-Za-z0-9-_.~] percent-encoded (so `a/b` stays one key). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
