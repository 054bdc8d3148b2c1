/**
 * `Faultline-Session: <clientId>/<seq>/<ackedSeq>` — the client's replicated
 * session (RIFL): the state machine stores each seq's result and returns it
 * to a retry, on any node and across leader changes.
 */
import type { SessionRef } from '../../services/index.js';
import { invalidField } from '../http/errors.js';

export const SESSION_HEADER = 'faultline-session';

const FORMAT = /^(0|[1-9][0-9]{0,15})\/([1-9][0-9]{0,15})\/(0|[1-9][0-9]{0,15})$/;

export function parseSessionHeader(value: string | string[] | undefined): SessionRef | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalidField('Faultline-Session', 'must be given once');
  const m = FORMAT.exec(value.trim());
  if (!m) throw invalidField('Faultline-Session', 'must be <clientId>/<seq>/<ackedSeq> in decimal, with seq ≥ 1');
  const clientId = Number(m[1]);
  const seq = Number(m[2]);
  const ackedSeq = Number(m[3]);
  if (![clientId, seq, ackedSeq].every(Number.isSafeInteger)) throw invalidField('Faultline-Session', 'numbers must be safe integers');
  if (ackedSeq >= seq) throw invalidField('Faultline-Session', `ackedSeq (${ackedSeq}) must be below seq (${seq})`);
  return { clientId, seq, ackedSeq };
}
