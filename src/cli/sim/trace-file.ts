import { closeSync, openSync, writeSync } from 'node:fs';

/** A buffered line writer for `--trace FILE`: one line per event, `\n`-terminated. */
export class TraceFile {
  readonly #fd: number;
  #lines: string[] = [];

  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }

  /** The sink to hand to the simulator. */
  readonly write = (line: string): void => {
    this.#lines.push(line);
    if (this.#lines.length >= 8192) this.#flush();
  };

  close(): void {
    this.#flush();
    closeSync(this.#fd);
  }

  #flush(): void {
    if (this.#lines.length === 0) return;
    writeSync(this.#fd, this.#lines.join('\n') + '\n');
    this.#lines = [];
  }
}
