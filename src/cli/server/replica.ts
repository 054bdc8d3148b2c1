/** Where the CLI gets the real replica from (one place, so the server itself stays injectable). */
import type { CreateReplica } from '../../replica/api.js';

export async function loadCreateReplica(): Promise<CreateReplica> {
  // A variable specifier keeps the build independent of the replica folder's progress; resolved relative to this file.
  const specifier = '../../replica/index.js';
  const mod = (await import(specifier)) as { createReplica?: CreateReplica };
  if (typeof mod.createReplica !== 'function') throw new Error('src/replica does not export createReplica');
  return mod.createReplica;
}
