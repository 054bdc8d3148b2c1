/**
 * JSON with object keys sorted at every level, so two requests with the same
 * parameters in a different key order give the same string (the default
 * idempotency fingerprint). Follows JSON.stringify otherwise: `toJSON` is
 * honoured, undefined/function members are dropped, non-finite numbers
 * become null. Bigints are written as `"<digits>n"` instead of throwing.
 * Cycles throw.
 */
export function stableJson(value: unknown): string {
  const out = encode(value, new Set());
  return out === undefined ? 'null' : out;
}

function encode(value: unknown, path: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return JSON.stringify(`${value}n`);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const object = value as object;
  const withToJson = object as { toJSON?: (key: string) => unknown };
  if (typeof withToJson.toJSON === 'function') return encode(withToJson.toJSON(''), path);
  if (path.has(object)) throw new TypeError('stableJson: value is cyclic');
  path.add(object);
  let out: string;
  if (Array.isArray(object)) {
    out = '[' + object.map((item) => encode(item, path) ?? 'null').join(',') + ']';
  } else {
    const parts: string[] = [];
    for (const key of Object.keys(object).sort()) {
      const encoded = encode((object as Record<string, unknown>)[key], path);
      if (encoded !== undefined) parts.push(JSON.stringify(key) + ':' + encoded);
    }
    out = '{' + parts.join(',') + '}';
  }
  path.delete(object);
  return out;
}
