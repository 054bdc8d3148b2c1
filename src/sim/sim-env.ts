import type { Disk, Env, NodeId, TimerId } from '../env/index.js';
import type { Rng } from '../core/random/rng.js';
import type { SimNode } from './node.js';
import type { World } from './world.js';
import { DiskOp } from './trace.js';

/**
 * The `Env` one process incarnation sees. It is bound to the incarnation's
 * epoch: after a crash, a leftover handle (a closure the dead process kept)
 * can still be called but does nothing — no message leaves, no timer is set,
 * no byte is written.
 */
export class SimEnv implements Env {
  readonly nodeId: NodeId;
  readonly rng: Rng;
  readonly disk: Disk;
  readonly #world: World;
  readonly #node: SimNode;
  readonly #epoch: number;

  constructor(world: World, node: SimNode, epoch: number, rng: Rng) {
    this.#world = world;
    this.#node = node;
    this.#epoch = epoch;
    this.nodeId = node.name;
    this.rng = rng;
    this.disk = new SimEnvDisk(world, node, epoch);
  }

  wallNowMs(): number {
    return this.#node.clock.wallUs(this.#world.nowUs) / 1000;
  }

  monoNowMs(): number {
    return this.#node.clock.monoUs(this.#world.nowUs) / 1000;
  }

  setTimer(delayMs: number, callback: () => void): TimerId {
    return this.#world.setTimer(this.#node, this.#epoch, delayMs, callback);
  }

  clearTimer(id: TimerId): void {
    this.#world.clearTimer(this.#node, this.#epoch, id);
  }

  send(to: NodeId, message: unknown): void {
    this.#world.send(this.#node, this.#epoch, to, message);
  }

  onMessage(handler: (from: NodeId, message: unknown) => void): void {
    if (this.#epoch === this.#node.epoch && this.#node.up) this.#node.handler = handler;
  }

  log(event: string, fields?: Record<string, unknown>): void {
    if (this.#epoch === this.#node.epoch && this.#node.up) {
      this.#world.trace.log(this.#world.nowUs, this.#node.index, event, fields);
    }
  }
}

class SimEnvDisk implements Disk {
  readonly #world: World;
  readonly #node: SimNode;
  readonly #epoch: number;

  constructor(world: World, node: SimNode, epoch: number) {
    this.#world = world;
    this.#node = node;
    this.#epoch = epoch;
  }

  read(file: string): Uint8Array | undefined {
    return this.#node.disk.read(file);
  }

  append(file: string, data: Uint8Array): void {
    if (!this.#alive()) return;
    this.#node.disk.append(file, data);
    this.#world.traceDisk(this.#node, DiskOp.append, file, data.length);
  }

  write(file: string, data: Uint8Array): void {
    if (!this.#alive()) return;
    this.#node.disk.write(file, data);
    this.#world.traceDisk(this.#node, DiskOp.write, file, data.length);
  }

  truncate(file: string, sizeBytes: number): void {
    if (!this.#alive()) return;
    this.#node.disk.truncate(file, sizeBytes);
    this.#world.traceDisk(this.#node, DiskOp.truncate, file, sizeBytes);
  }

  remove(file: string): void {
    if (!this.#alive()) return;
    this.#node.disk.remove(file);
    this.#world.traceDisk(this.#node, DiskOp.remove, file, 0);
  }

  #alive(): boolean {
    // A dead incarnation writes nothing.
    return this.#epoch === this.#node.epoch && this.#node.up;
  }

  list(): string[] {
    return this.#node.disk.list();
  }

  fsync(file: string, done: (error?: Error) => void): void {
    this.#world.fsync(this.#node, this.#epoch, file, done);
  }
}
