// Bytes -> text for every YAML file the product reads (SPEC section 3: UTF-8, a BOM is fine).
// Invalid bytes are an error at their line rather than U+FFFD in a value that would be applied.
import { error, type Diagnostic } from '../diagnostics.js';

export type Decoded = { ok: true; text: string } | { ok: false; error: Diagnostic };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Byte offset of the first byte that is not part of a well-formed UTF-8 sequence. */
function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid too.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += n + 1;
  }
  return -1;
}

/** UTF-16 (or UTF-32) by its BOM, or by the NUL bytes ASCII text has in those encodings. */
function looksUtf16(b: Uint8Array): boolean {
  if (b.length >= 2 && ((b[0] === 0xfe && b[1] === 0xff) || (b[0] === 0xff && b[1] === 0xfe))) return true;
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return true;
  // YAML's own encoding detection: a first character of ASCII has a NUL beside it.
  return b.length >= 2 && (b[0] === 0) !== (b[1] === 0);
}

/** Decodes a YAML file's bytes; file names the file in the error. */
export function decodeYamlBytes(bytes: Uint8Array, file: string): Decoded {
  if (looksUtf16(bytes)) {
    return { ok: false, error: error('the file is UTF-16 (or UTF-32); YAML files must be UTF-8: convert it (e.g. iconv -f UTF-16 -t UTF-8)', { file, line: 1, col: 1, rule: 'encoding' }) };
  }
  try {
    // The decoder drops a leading UTF-8 BOM.
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    const at = firstInvalidByte(bytes);
    const before = bytes.subarray(0, Math.max(at, 0));
    const lineStart = before.lastIndexOf(0x0a) + 1;
    const line = before.reduce((n, c) => (c === 0x0a ? n + 1 : n), 1);
    // Columns count characters, as every other position does; the line up to the byte is valid.
    const col = utf8.decode(bytes.subarray(lineStart, Math.max(at, lineStart))).length + 1;
    const hex = at >= 0 ? ` (byte 0x${bytes[at]!.toString(16).padStart(2, '0')})` : '';
    return { ok: false, error: error(`the file is not valid UTF-8${hex}: save it as UTF-8`, { file, line, col, rule: 'encoding' }) };
  }
}
