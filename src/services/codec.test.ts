import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { COMMAND_CODEC_VERSION, decodeCommand, encodeCanonicalCommand, encodeCommand } from './codec.js';
import {
  acquireLockCommand,
  acquireWorkerIdCommand,
  checkpointCommand,
  deleteCommand,
  expireLeaseCommand,
  getCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  putCommand,
  rangeCommand,
  registerSessionCommand,
  releaseLockCommand,
  releaseWorkerIdCommand,
  revokeLeaseCommand,
  withSession,
} from './commands.js';
import { InvalidCommandError, isInvalidCommandError } from './errors.js';
import { LIMITS } from './limits.js';
import { validateCommand } from './validate.js';
import { utf8 } from './__fixtures__/harness.js';
import type { Command } from './commands.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const frame = (raw: unknown): Uint8Array => new Uint8Array([COMMAND_CODEC_VERSION, ...packr.pack(raw)]);

function invalidField(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isInvalidCommandError(e)).toBe(true);
    return (e as InvalidCommandError).field;
  }
  throw new Error('expected InvalidCommandError');
}

const session = { clientId: 7, seq: 3, ackedSeq: 2 };
const every: Command[] = [
  putCommand({ key: 'a', value: utf8('x'), leaseId: 2, ifRevision: 0, fence: { lock: 'L', token: 5 }, session }),
  putCommand({ key: 'a', value: new Uint8Array() }),
  deleteCommand({ key: 'a', ifRevision: 4, session }),
  getCommand({ key: 'ключ' }),
  rangeCommand({ prefix: '', limit: 10 }),
  grantLeaseCommand({ ttlMs: 5000 }),
  keepAliveLeaseCommand({ leaseId: 1 }),
  revokeLeaseCommand({ leaseId: 1, session }),
  expireLeaseCommand({ leaseId: 1, refreshIndex: 9 }),
  checkpointCommand({ tick: true, leases: [{ leaseId: 1, refreshIndex: 2, remainingMs: 0 }, { leaseId: 3, refreshIndex: 4, remainingMs: 10 }] }),
  acquireLockCommand({ lock: 'L', leaseId: 1 }),
  releaseLockCommand({ lock: 'L', token: 3 }),
  acquireWorkerIdCommand({ leaseId: 1 }),
  releaseWorkerIdCommand({ workerId: 0, leaseId: 1 }),
  registerSessionCommand(),
];

describe('command codec', () => {
  it('round-trips every command type', () => {
    for (const c of every) expect(decodeCommand(encodeCommand(c))).toEqual(c);
  });

  it('encodeCanonicalCommand returns exactly what decoding its bytes gives (the leader applies its own proposals without decoding)', () => {
    for (const c of every) {
      const { bytes, command } = encodeCanonicalCommand(c);
      // Strict: an undefined field present on one side only, or a Buffer for a Uint8Array, fails.
      expect(command).toStrictEqual(decodeCommand(bytes));
      expect(bytes).toEqual(encodeCommand(c));
    }
  });

  it('starts every encoding with the version byte', () => {
    for (const c of every) expect(encodeCommand(c)[0]).toBe(COMMAND_CODEC_VERSION);
  });

  it('encodes canonically: field order and undefined optionals do not change the bytes', () => {
    const a = encodeCommand({ type: 'put', key: 'k', value: utf8('v'), ifRevision: 3 });
    const b = encodeCommand({ ifRevision: 3, value: utf8('v'), leaseId: undefined, key: 'k', type: 'put' } as Command);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('copies values so later edits to the caller buffer do not leak into the command', () => {
    const v = utf8('abc');
    const c = putCommand({ key: 'k', value: v });
    v[0] = 0;
    expect(Array.from(c.value)).toEqual(Array.from(utf8('abc')));
  });

  it('rejects framing problems with a named field', () => {
    expect(invalidField(() => decodeCommand(new Uint8Array()))).toBe('command');
    expect(invalidField(() => decodeCommand(new Uint8Array([99, 0x80])))).toBe('version');
    expect(invalidField(() => decodeCommand(new Uint8Array([COMMAND_CODEC_VERSION, 0xc1])))).toBe('command');
    expect(invalidField(() => decodeCommand(new Uint8Array([COMMAND_CODEC_VERSION, 0x92, 0x01])))).toBe('command');
    // trailing bytes after a complete value
    const good = encodeCommand(registerSessionCommand());
    expect(invalidField(() => decodeCommand(new Uint8Array([...good, 0x01])))).toBe('command');
    expect(invalidField(() => decodeCommand(new Uint8Array(LIMITS.commandBytesMax + 1)))).toBe('command');
  });

  it('names the bad field for wrong types, ranges and unknown fields', () => {
    expect(invalidField(() => decodeCommand(frame({ type: 'nope' })))).toBe('type');
    expect(invalidField(() => decodeCommand(frame([1, 2])))).toBe('command');
    expect(invalidField(() => decodeCommand(frame({ type: 'put', key: 'k', value: 'str' })))).toBe('value');
    expect(invalidField(() => decodeCommand(frame({ type: 'put', key: '', value: utf8('') })))).toBe('key');
    expect(invalidField(() => decodeCommand(frame({ type: 'put', key: 'k', value: utf8(''), leaseId: 0 })))).toBe('leaseId');
    expect(invalidField(() => decodeCommand(frame({ type: 'put', key: 'k', value: utf8(''), ifRevision: -1 })))).toBe('ifRevision');
    expect(invalidField(() => decodeCommand(frame({ type: 'put', key: 'k', value: utf8(''), ifRevision: 1.5 })))).toBe('ifRevision');
    expect(invalidField(() => decodeCommand(frame({ type: 'put', key: 'k', value: utf8(''), fence: { lock: 'L' } })))).toBe('fence.token');
    expect(invalidField(() => decodeCommand(frame({ type: 'put', key: 'k', value: utf8(''), fence: { lock: 'L', token: 1, x: 1 } })))).toBe('fence.x');
    expect(invalidField(() => decodeCommand(frame({ type: 'put', key: 'k', value: utf8(''), extra: 1 })))).toBe('extra');
    expect(invalidField(() => decodeCommand(frame({ type: 'get', key: 'k', session: { clientId: 1, seq: 1, ackedSeq: 1 } })))).toBe('session.ackedSeq');
    expect(invalidField(() => decodeCommand(frame({ type: 'get', key: 'k', session: { clientId: 1, seq: 0, ackedSeq: 0 } })))).toBe('session.seq');
    expect(invalidField(() => decodeCommand(frame({ type: 'expire-lease', leaseId: 1, refreshIndex: 1, session })))).toBe('session');
    expect(invalidField(() => decodeCommand(frame({ type: 'range', prefix: 'a', limit: LIMITS.rangeLimitMax + 1 })))).toBe('limit');
    expect(invalidField(() => decodeCommand(frame({ type: 'grant-lease', ttlMs: 0 })))).toBe('ttlMs');
    expect(invalidField(() => decodeCommand(frame({ type: 'checkpoint', tick: 1, leases: [] })))).toBe('tick');
    expect(invalidField(() => decodeCommand(frame({ type: 'get', key: new Date(0) })))).toBe('key');
  });

  it('rejects checkpoint entries out of order or duplicated', () => {
    const leases = [
      { leaseId: 2, refreshIndex: 1, remainingMs: 1 },
      { leaseId: 2, refreshIndex: 1, remainingMs: 1 },
    ];
    expect(invalidField(() => checkpointCommand({ tick: false, leases }))).toBe('leases[1].leaseId');
    const many = Array.from({ length: LIMITS.checkpointLeasesMax + 1 }, (_, i) => ({ leaseId: i + 1, refreshIndex: 1, remainingMs: 1 }));
    expect(invalidField(() => checkpointCommand({ tick: false, leases: many }))).toBe('leases');
  });

  it('enforces key, value and lock-name limits in UTF-8 bytes', () => {
    const maxKey = 'é'.repeat(LIMITS.keyBytesMax / 2); // 2 bytes each
    expect(() => putCommand({ key: maxKey, value: new Uint8Array(LIMITS.valueBytesMax) })).not.toThrow();
    expect(invalidField(() => putCommand({ key: maxKey + 'a', value: utf8('') }))).toBe('key');
    expect(invalidField(() => putCommand({ key: 'k', value: new Uint8Array(LIMITS.valueBytesMax + 1) }))).toBe('value');
    expect(invalidField(() => acquireLockCommand({ lock: 'x'.repeat(LIMITS.lockNameBytesMax + 1), leaseId: 1 }))).toBe('lock');
    expect(invalidField(() => getCommand({ key: 'a\uD800b' }))).toBe('key');
  });

  it('fits the largest legal put, with fence and session, under commandBytesMax', () => {
    const c = putCommand({
      key: '\u{10FFFF}'.repeat(LIMITS.keyBytesMax / 4),
      value: new Uint8Array(LIMITS.valueBytesMax),
      leaseId: Number.MAX_SAFE_INTEGER,
      ifRevision: Number.MAX_SAFE_INTEGER,
      fence: { lock: '\u{10FFFF}'.repeat(LIMITS.lockNameBytesMax / 4), token: Number.MAX_SAFE_INTEGER },
      session: { clientId: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER, ackedSeq: Number.MAX_SAFE_INTEGER - 1 },
    });
    expect(encodeCommand(c).byteLength).toBeLessThanOrEqual(LIMITS.commandBytesMax);
  });

  it('withSession adds a session and refuses command types that take none', () => {
    expect(withSession(getCommand({ key: 'k' }), session).session).toEqual(session);
    expect(invalidField(() => withSession(registerSessionCommand() as never, session))).toBe('session');
  });

  it('never throws anything but InvalidCommandError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
        for (const data of [tail, new Uint8Array([COMMAND_CODEC_VERSION, ...tail])]) {
          try {
            const c = decodeCommand(data);
            expect(validateCommand(c)).toEqual(c); // anything accepted is canonical
          } catch (e) {
            expect(isInvalidCommandError(e)).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips random valid puts byte-for-byte', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
        fc.uint8Array({ maxLength: 100 }),
        fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
        fc.option(fc.nat(), { nil: undefined }),
        (key, v, leaseId, ifRevision) => {
          const c = putCommand({ key, value: v, leaseId, ifRevision });
          const bytes = encodeCommand(c);
          const back = decodeCommand(bytes);
          expect(back).toEqual(c);
          expect(Buffer.from(encodeCommand(back)).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
    );
  });
});
