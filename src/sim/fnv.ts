/**
 * Incremental FNV-1a 64-bit hash, computed on two 32-bit halves so the hot
 * path never allocates (no BigInt). The trace feeds it a canonical binary
 * encoding of each event (32-bit little-endian words, strings as UTF-16 code
 * units), so the hash is the same whether or not a trace sink is attached.
 */
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
/** The FNV-64 prime is 2^40 + 0x1b3: multiply by 0x1b3, add the word shifted by 40. */
const PRIME_LO = 0x1b3;
const TWO_POW_32 = 0x1_0000_0000;

export class Fnv1a64 {
  #hi = OFFSET_HI;
  #lo = OFFSET_LO;

  /** Mix one byte (0..255). */
  byte(b: number): void {
    const lo = (this.#lo ^ (b & 0xff)) >>> 0;
    const t = lo * PRIME_LO; // < 2^41: exact in a double
    this.#hi = (Math.imul(this.#hi, PRIME_LO) + (lo << 8) + ((t / TWO_POW_32) | 0)) >>> 0;
    this.#lo = t >>> 0;
  }

  /** Mix a 32-bit word as four little-endian bytes (the value is taken modulo 2^32). */
  word(w: number): void {
    let hi = this.#hi;
    let lo = this.#lo;
    let t: number;
    lo = (lo ^ (w & 0xff)) >>> 0;
    t = lo * PRIME_LO;
    hi = (Math.imul(hi, PRIME_LO) + (lo << 8) + ((t / TWO_POW_32) | 0)) >>> 0;
    lo = t >>> 0;
    lo = (lo ^ ((w >>> 8) & 0xff)) >>> 0;
    t = lo * PRIME_LO;
    hi = (Math.imul(hi, PRIME_LO) + (lo << 8) + ((t / TWO_POW_32) | 0)) >>> 0;
    lo = t >>> 0;
    lo = (lo ^ ((w >>> 16) & 0xff)) >>> 0;
    t = lo * PRIME_LO;
    hi = (Math.imul(hi, PRIME_LO) + (lo << 8) + ((t / TWO_POW_32) | 0)) >>> 0;
    lo = t >>> 0;
    lo = (lo ^ (w >>> 24)) >>> 0;
    t = lo * PRIME_LO;
    hi = (Math.imul(hi, PRIME_LO) + (lo << 8) + ((t / TWO_POW_32) | 0)) >>> 0;
    this.#lo = t >>> 0;
    this.#hi = hi;
  }

  /** Mix a non-negative safe integer (e.g. a time in µs) as two words, low then high. */
  uint53(n: number): void {
    this.word(n >>> 0);
    this.word((n / TWO_POW_32) >>> 0);
  }

  /** Mix a string: its length, then its UTF-16 code units two per word (little-endian bytes). */
  string(s: string): void {
    const n = s.length;
    this.word(n);
    let i = 0;
    for (; i + 1 < n; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < n) {
      const c = s.charCodeAt(i);
      this.byte(c);
      this.byte(c >>> 8);
    }
  }

  /** The hash so far as 16 lowercase hex digits. */
  hex(): string {
    return this.#hi.toString(16).padStart(8, '0') + this.#lo.toString(16).padStart(8, '0');
  }
}
