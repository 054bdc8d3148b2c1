import type { Model } from '../model.js';
import { kvModel } from './kv.js';
import { lockModel } from './lock.js';
import { casRegisterModel, registerModel } from './register.js';
import { uniqueIdsModel } from './unique-ids.js';

/** The built-in models by name (the CLI's `--model`). */
export const builtinModels: Readonly<Record<string, Model<unknown>>> = Object.freeze({
  register: registerModel,
  'cas-register': casRegisterModel,
  kv: kvModel,
  lock: lockModel as unknown as Model<unknown>,
  'unique-ids': uniqueIdsModel as unknown as Model<unknown>,
});

/** A built-in model by name, or undefined. */
export function modelByName(name: string): Model<unknown> | undefined {
  return Object.prototype.hasOwnProperty.call(builtinModels, name) ? builtinModels[name] : undefined;
}

export { casRegisterModel, kvModel, lockModel, registerModel, uniqueIdsModel };
