/**
 * UTF-8 length and encoding by hand: node ids are short, and a TextEncoder
 * call per id costs far more than writing a few bytes. Node ids are checked
 * to be well-formed UTF-16 on entry (`hasLoneSurrogate`), so every id has
 * exactly one UTF-8 form and round-trips.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      length += 4; // a surrogate pair: one 4-byte sequence
      i++;
    } else length += 3;
  }
  return length;
}

/** Writes `text` (well-formed) at `offset`; returns the offset after it. */
export function writeUtf8(out: Uint8Array, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[offset++] = c;
    } else if (c < 0x800) {
      out[offset++] = 0xc0 | (c >> 6);
      out[offset++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
      out[offset++] = 0xf0 | (c >> 18);
      out[offset++] = 0x80 | ((c >> 12) & 0x3f);
      out[offset++] = 0x80 | ((c >> 6) & 0x3f);
      out[offset++] = 0x80 | (c & 0x3f);
    } else {
      out[offset++] = 0xe0 | (c >> 12);
      out[offset++] = 0x80 | ((c >> 6) & 0x3f);
      out[offset++] = 0x80 | (c & 0x3f);
    }
  }
  return offset;
}
