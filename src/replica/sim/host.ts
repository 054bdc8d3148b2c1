/**
 * A simulator host running one replica: the NodeFactory given to
 * `sim.host(name, …)`. It routes peer envelopes to the replica and serves the
 * simulator's client protocol (protocol.ts) on top of `submit` / `get`.
 * Called again after every restart: the replica recovers from `env.disk`.
 */
import type { Env, NodeFactory, NodeId } from '../../env/index.js';
import { decodeCommand } from '../../services/index.js';
import type { ReplicaObserver, ReplicaOptions } from '../api.js';
import { ReplicaNode } from '../replica.js';
import { isPeerEnvelope, replicaError } from '../wire.js';
import type { ClientRequestMessage, ClientResponseMessage } from './protocol.js';
import { isClientRequest } from './protocol.js';

export interface ReplicaHostOptions {
  readonly voters: readonly NodeId[];
  /** Everything else a replica takes (timeouts, read mode, bugs, storage). */
  readonly replica?: Omit<ReplicaOptions, 'env' | 'voters' | 'observer' | 'registerMessageHandler'>;
  readonly observer?: ReplicaObserver;
  /** Told about every (re)started replica, so a checker can ask it for its status. */
  readonly onReplica?: (replica: ReplicaNode) => void;
  /** Messages that were neither a peer envelope nor a valid client request. */
  readonly onGarbage?: (from: NodeId) => void;
}

export function replicaHost(options: ReplicaHostOptions): NodeFactory {
  return (env: Env) => {
    const replica = new ReplicaNode({ ...options.replica, env, voters: options.voters, observer: options.observer, registerMessageHandler: false });
    options.onReplica?.(replica);
    env.onMessage((from, message) => {
      if (isPeerEnvelope(message)) replica.receive(from, message);
      else if (isClientRequest(message)) serve(env, replica, from, message);
      else options.onGarbage?.(from);
    });
    return { stop: () => replica.stop() };
  };
}

function serve(env: Env, replica: ReplicaNode, from: NodeId, request: ClientRequestMessage): void {
  const reply = (outcome: ClientResponseMessage['outcome']): void => env.send(from, { c: 'res', id: request.id, outcome } satisfies ClientResponseMessage);
  const op = request.op;
  if (op.t === 'get') {
    replica.get(op.key, op.consistency, reply);
    return;
  }
  let command;
  try {
    command = decodeCommand(op.cmd);
  } catch (error) {
    reply({ ok: false, error: replicaError('invalid', (error as Error).message, true) });
    return;
  }
  replica.submit(command, reply);
}
