/**
 * Entry data for the services state machine:
 *
 *   [ version: 1 byte = COMMAND_CODEC_VERSION ][ msgpack of the command object ]
 *
 * The encoder writes the canonical form (validated, fields in fixed order),
 * so equal commands give equal bytes. The decoder trusts nothing: unknown
 * version, undecodable msgpack, trailing bytes, an oversized entry or any bad
 * field throws `InvalidCommandError` naming the field. Integrity of the bytes
 * themselves is Raft's job (its log records are checksummed).
 */
import { Packr } from 'msgpackr';
import { InvalidCommandError } from './errors.js';
import { LIMITS } from './limits.js';
import { validateCommand } from './validate.js';
import type { Command } from './commands.js';

/** Bump on any change to command shapes or meaning; old replicas then refuse new entries by name. */
export const COMMAND_CODEC_VERSION = 1;

// Records (structure sharing) would make bytes depend on encoder history: off.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/**
 * Validate and encode `command` as entry data.
 * @throws InvalidCommandError for a bad field, or field `command` when the encoding exceeds LIMITS.commandBytesMax
 */
export function encodeCommand(command: Command): Uint8Array {
  return encodeCanonicalCommand(command).bytes;
}

/**
 * `encodeCommand`, also returning the canonical command the bytes encode —
 * exactly what `decodeCommand(bytes)` would give back — so a host that
 * applies its own proposal can skip decoding it (`ServiceStateMachine.apply`).
 * @throws InvalidCommandError as `encodeCommand`
 */
export function encodeCanonicalCommand(command: Command): { readonly bytes: Uint8Array; readonly command: Command } {
  const canonical = validateCommand(command);
  const body = packr.pack(canonical);
  const out = new Uint8Array(1 + body.byteLength);
  out[0] = COMMAND_CODEC_VERSION;
  out.set(body, 1);
  if (out.byteLength > LIMITS.commandBytesMax) {
    throw new InvalidCommandError('command', `encodes to ${out.byteLength} bytes, more than the limit of ${LIMITS.commandBytesMax}`);
  }
  return { bytes: out, command: canonical };
}

/**
 * Decode and validate entry data.
 * @throws InvalidCommandError naming the bad field (`command` / `version` for framing problems)
 */
export function decodeCommand(data: Uint8Array): Command {
  if (!(data instanceof Uint8Array)) throw new InvalidCommandError('command', 'must be a byte array');
  if (data.byteLength === 0) throw new InvalidCommandError('command', 'is empty (no version byte)');
  if (data.byteLength > LIMITS.commandBytesMax) {
    throw new InvalidCommandError('command', `is ${data.byteLength} bytes, more than the limit of ${LIMITS.commandBytesMax}`);
  }
  if (data[0] !== COMMAND_CODEC_VERSION) {
    throw new InvalidCommandError('version', `is ${data[0]}, this replica understands only ${COMMAND_CODEC_VERSION}`);
  }
  let raw: unknown;
  try {
    raw = packr.unpack(data.subarray(1));
  } catch (e) {
    throw new InvalidCommandError('command', `is not decodable msgpack (${(e as Error).message})`);
  }
  return validateCommand(raw);
}
