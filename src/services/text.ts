/**
 * String helpers for keys and names. Keys must be well-formed UTF-16 so each
 * has exactly one UTF-8 form: msgpack would silently replace a lone surrogate,
 * and a key that changes on its way through the log would fork replicas.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** UTF-8 length of a well-formed string, without encoding it. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // a surrogate pair is one 4-byte sequence
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Total order on strings by UTF-16 code units: the same on every replica, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
