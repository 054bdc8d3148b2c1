/**
 * Typed errors. Each carries a `code` and a brand so the type guards work
 * across duplicated copies of the package, where `instanceof` fails.
 *
 * A malformed packet is not thrown at the caller of `receive`: it is dropped
 * and counted (`MembershipStats.garbage`). `MembershipDecodeError` is what the
 * codec throws internally and what `decodePacket` callers catch.
 */

const BRAND = Symbol.for('faultline.membership.error');

export type MembershipErrorCode = 'decode' | 'encode' | 'config' | 'usage';

export abstract class MembershipError extends Error {
  abstract readonly code: MembershipErrorCode;
  readonly [BRAND] = true;
}

function hasCode(error: unknown, code: MembershipErrorCode): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [BRAND]?: unknown })[BRAND] === true &&
    (error as { code?: unknown }).code === code
  );
}

export function isMembershipError(error: unknown): error is MembershipError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}

/** Bytes that are not a well-formed membership packet (truncated, bad checksum, bad field). */
export class MembershipDecodeError extends MembershipError {
  readonly code = 'decode';
  override readonly name = 'MembershipDecodeError';
}

/** A message that cannot be encoded within the limits (a name too long, too many members). */
export class MembershipEncodeError extends MembershipError {
  readonly code = 'encode';
  override readonly name = 'MembershipEncodeError';
}

/** An invalid option; the message names it. */
export class MembershipConfigError extends MembershipError {
  readonly code = 'config';
  override readonly name = 'MembershipConfigError';
}

/** The API was used wrongly (e.g. `start` twice). */
export class MembershipUsageError extends MembershipError {
  readonly code = 'usage';
  override readonly name = 'MembershipUsageError';
}

export const isMembershipDecodeError = (e: unknown): e is MembershipDecodeError => hasCode(e, 'decode');
export const isMembershipEncodeError = (e: unknown): e is MembershipEncodeError => hasCode(e, 'encode');
export const isMembershipConfigError = (e: unknown): e is MembershipConfigError => hasCode(e, 'config');
