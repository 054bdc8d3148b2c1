/** Where the CLI gets the real replica from (one place, so the server itself stays injectable). */
import type { CreateReplica } from '../../replica/api.js';
import { createReplica } from '../../replica/index.js';

export function loadCreateReplica(): Promise<CreateReplica> {
  return Promise.resolve(createReplica);
}
