/** Short human descriptions of operations and values for reports. */
import type { Operation } from './operations.js';
import { stableStringify, valuesEqual } from './value-key.js';

/** A value as EDN-ish text: `nil` for null, JSON otherwise. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  return stableStringify(value);
}

/** e.g. `process 3: cas [1,2] → ok (line 14)`, `process 0: read → 3 (line 2)`. */
export function describeOperation(op: Operation, withLine = true): string {
  const key = op.key !== undefined ? ` key=${formatValue(op.key)}` : '';
  const input = op.value === null || op.value === undefined ? '' : ` ${formatValue(op.value)}`;
  let outcome: string;
  if (op.status === 'info') outcome = ' → ? (info)';
  else if (op.status === 'fail') outcome = ' → fail';
  else if (op.output === null || op.output === undefined) outcome = op.value === null || op.value === undefined ? ' → nil' : ' → ok';
  else outcome = valuesEqual(op.output, op.value) ? ' → ok' : ` → ${formatValue(op.output)}`;
  const line = withLine ? ` (line ${op.invokeLine})` : '';
  return `process ${String(op.process)}: ${op.f}${key}${input}${outcome}${line}`;
}
