import { describe, expect, it } from 'vitest';
import type { Replica, ReplicaOutcome } from '../../replica/api.js';
import { putCommand } from '../../services/index.js';
import type { Command, ServiceResult } from '../../services/index.js';
import { WritePath } from './writes.js';

type Answer = (command: Command & { session?: { clientId: number } }) => ReplicaOutcome<ServiceResult<unknown>>;

/** Just `submit`: sessions register as 100, 101, …; every other command is answered by `answer`. */
function replica(answer: Answer): { replica: Replica; sessionsOf: number[] } {
  let nextClientId = 100;
  const sessionsOf: number[] = [];
  const stub = {
    submit(command: Command, done: (outcome: ReplicaOutcome<ServiceResult<unknown>>) => void) {
      if (command.type === 'register-session') done({ ok: true, result: { ok: true, value: { clientId: nextClientId++ } } });
      else {
        const c = command as Command & { session?: { clientId: number } };
        sessionsOf.push(c.session?.clientId ?? -1);
        done(answer(c));
      }
    },
  };
  return { replica: stub as unknown as Replica, sessionsOf };
}

const expired: ReplicaOutcome<ServiceResult<unknown>> = { ok: true, result: { ok: false, error: { code: 'session_expired', message: 'gone' } } };
const applied: ReplicaOutcome<ServiceResult<unknown>> = { ok: true, result: { ok: true, value: { revision: 5 } } };
const lost: ReplicaOutcome<ServiceResult<unknown>> = { ok: false, error: { code: 'no_quorum', message: 'timed out', definite: false } as never };

const put = (key: string) => ({ command: putCommand({ key: 'a', value: new TextEncoder().encode('1') }), idempotencyKey: key, fingerprint: ['a', '1'] });

describe('WritePath: Idempotency-Key writes on node sessions', () => {
  it('a fresh seq refused as session_expired moves to a new node session once, and applies there', async () => {
    let first = true;
    const r = replica(() => (first ? ((first = false), expired) : applied));
    const w = new WritePath(r.replica, () => 0);
    expect(await w.write(put('k1'))).toEqual({ ok: true, value: { revision: 5 } });
    expect(r.sessionsOf).toEqual([100, 101]);
  });

  it('a retried seq refused as session_expired is an unknown outcome (an earlier attempt may have applied)', async () => {
    const answers = [lost, expired];
    const r = replica(() => answers.shift()!);
    const w = new WritePath(r.replica, () => 0);
    await expect(w.write(put('k2'))).rejects.toMatchObject({ status: 503, code: 'no_quorum' });
    await expect(w.write(put('k2'))).rejects.toMatchObject({ status: 503, code: 'unavailable', details: { definite: false } });
    expect(r.sessionsOf).toEqual([100, 100]); // the retry reused the unknown seq's session, and did not move on
  });
});
