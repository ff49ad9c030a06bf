/**
 * Reads an input file (a script, a load profile, a manifest) as UTF-8 text, and says plainly
 * why it cannot: no such file, a directory, no permission, empty, or not UTF-8 (with the line
 * and column of the first bad byte). Invalid bytes are never replaced silently.
 */
import { readFile } from "node:fs/promises";

/** Why an input file cannot be used as text; `line` and `column` are 0 when it has no place. */
export class TextFileError extends Error {
  override readonly name = "TextFileError";
  /** `reason` reads after the file name: "is empty", "cannot be read: no such file". */
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line = 0,
    readonly column = 0,
  ) {
    super(`${line > 0 ? `${file}:${line}:${column}` : file}: ${reason}`);
  }
}

/** The file's text; throws TextFileError when it cannot be read, is empty or is not UTF-8. */
export async function readTextFile(file: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new TextFileError(file, `cannot be read: ${readFailure(error)}`);
  }
  const text = decodeUtf8(bytes, file);
  if (text.trim() === "") throw new TextFileError(file, "is empty");
  return text;
}

/** `bytes` as UTF-8 text; throws TextFileError at the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidByte(bytes);
    const before = new TextDecoder().decode(bytes.subarray(0, bad));
    const lines = before.split("\n");
    throw new TextFileError(
      file,
      "is not UTF-8 text (save it as UTF-8)",
      lines.length,
      [...lines[lines.length - 1]].length + 1,
    );
  }
}

/** Why reading failed, in words. */
function readFailure(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory, not a file";
  return (error as Error).message ?? String(error);
}

/** The offset of the first byte that does not belong to a valid UTF-8 sequence. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80
      ? 1
      : b >= 0xc2 && b < 0xe0
      ? 2
      : b >= 0xe0 && b < 0xf0
      ? 3
      : b >= 0xf0 && b < 0xf5
      ? 4
      : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    const valid = new TextDecoder("utf-8", { fatal: true });
    try {
      valid.decode(bytes.subarray(i, i + length));
    } catch {
      return i; // an overlong form, a surrogate or beyond U+10FFFF
    }
    i += length;
  }
  return bytes.length;
}
