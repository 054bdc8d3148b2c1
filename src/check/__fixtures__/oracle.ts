/**
 * A brute-force linearizability oracle for tiny histories: try every order
 * that respects real time. `ok` operations must all be placed; `info` ones
 * may be placed (anywhere after their invoke) or left out. No memo, no
 * cleverness — it is the definition, used to cross-check the real search.
 */
import { UNKNOWN } from '../model.js';
import type { Model, ModelInput } from '../model.js';
import type { Operation } from '../operations.js';

export function bruteForceLinearizable<S>(ops: readonly Operation[], model: Model<S>): boolean {
  const live = ops.filter((op) => op.status !== 'fail');
  const inputs: ModelInput[] = live.map((op) => {
    const input: ModelInput = { f: op.f, value: op.value, process: op.process };
    if (op.key !== undefined) input.key = op.key;
    return input;
  });
  const placed = new Array<boolean>(live.length).fill(false);
  const okLeft = () => live.some((op, i) => op.status === 'ok' && !placed[i]);

  const search = (state: S): boolean => {
    if (!okLeft()) return true;
    for (let i = 0; i < live.length; i++) {
      if (placed[i]) continue;
      const op = live[i];
      // Every unplaced ok op that returned before this one was invoked must come first.
      if (live.some((other, j) => !placed[j] && j !== i && other.status === 'ok' && other.returnTime < op.callTime)) continue;
      const result = model.step(state, inputs[i], op.status === 'ok' ? op.output : UNKNOWN);
      if (!result.ok) continue;
      placed[i] = true;
      if (search(result.state)) return true;
      placed[i] = false;
    }
    return false;
  };
  return search(model.init());
}
