/**
 * Canonical keys and cheap hashes for values and model states. Two values
 * are equal for the checker iff their keys are `===`: numbers stay numbers
 * (fast), everything else becomes a string that cannot collide with another
 * type's key.
 */

export type ValueKey = string | number;

/**
 * JSON with object keys sorted, so `{a:1,b:2}` and `{b:2,a:1}` give one
 * string. `undefined` becomes `null` (as in arrays); Maps and Sets are
 * written as sorted entry lists; bigint as a decimal string with `n`.
 */
export function stableStringify(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `"${value.toString()}n"`;
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
      if (value instanceof Map) {
        const entries = [...value.entries()].map(([k, v]) => `[${stableStringify(k)},${stableStringify(v)}]`);
        return `{"$map":[${entries.sort().join(',')}]}`;
      }
      if (value instanceof Set) {
        return `{"$set":[${[...value].map(stableStringify).sort().join(',')}]}`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(record[k])}`).join(',')}}`;
    }
    default:
      return JSON.stringify(String(value));
  }
}

/**
 * Canonical key of a value. Numbers are their own key; strings are prefixed
 * with `s` and every other value is `j` + stable JSON, so `1`, `"1"` and
 * `[1]` all differ. `null` and `undefined` share the key of "no value".
 */
export function valueKey(value: unknown): ValueKey {
  if (typeof value === 'number') return Number.isNaN(value) ? 'jNaN' : value;
  if (typeof value === 'string') return `s${value}`;
  if (value === null || value === undefined) return 'n';
  return `j${stableStringify(value)}`;
}

/** Are two values equal by their canonical keys? */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' || typeof b === 'number') return false;
  return valueKey(a) === valueKey(b);
}

/** A 32-bit avalanche mix (murmur3 finaliser). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85eb_ca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2_ae35);
  x ^= x >>> 16;
  return x | 0;
}

/** FNV-1a over UTF-16 code units, then mixed: a fast 32-bit string hash. */
export function hashString(text: string): number {
  let h = 0x811c_9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x0100_0193);
  }
  return mix32(h);
}

/** 32-bit hash of a key: integers are mixed directly, others via their text. */
export function hashKey(key: ValueKey): number {
  if (typeof key === 'number') {
    if (Number.isInteger(key) && Math.abs(key) <= 0x7fff_ffff) return mix32(key ^ 0x5bd1_e995);
    return hashString(String(key));
  }
  return hashString(key);
}
