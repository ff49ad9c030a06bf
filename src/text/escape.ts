/**
 * Text from outside (a server's error body, a received span's name or attributes, a Langfuse
 * project's name) made safe for a terminal: control characters are shown as visible escapes
 * (`\x1b`, `\x07`, `\u009b`, `\u202e`) instead of being written raw, so a body holding
 * `\x1b]0;OWNED\x07\x1b[2J` can neither retitle nor clear the terminal, and a name holding a
 * newline or a bidi override cannot fake a line of our output.
 *
 * Pure. The one escaping function: callers escape outside text where they put it into a line,
 * and `cli/redacted_io.ts` passes everything printed through it once more, keeping our own
 * line breaks and colours.
 */

/** Options for {@link escapeControls}. */
export interface EscapeOptions {
  /** Keep line feeds and tabs as they are (whole messages of ours); default false. */
  newlines?: boolean;
  /** Keep SGR colour sequences (`ESC [ 1;31 m`), which only colour text; default false. */
  colours?: boolean;
}

// C0 controls, DEL, C1 controls (U+0080-U+009F; U+009B is a one-byte CSI in 8-bit terminals),
// bidi embeddings, overrides and isolates (they reorder what follows), and the Unicode line
// and paragraph separators.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// deno-lint-ignore no-control-regex
const SGR = /\u001b\[[0-9;]*m/y;

/** `text` with every control character shown as an escape like `\x1b` (see the module doc). */
export function escapeControls(text: string, options: EscapeOptions = {}): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  CONTROL.lastIndex = 0;
  return text.replace(CONTROL, (char, offset: number) => {
    if (options.newlines && (char === "\n" || char === "\t")) return char;
    if (options.colours && char === "\u001b") {
      SGR.lastIndex = offset;
      if (SGR.test(text)) return char;
    }
    // C0 as \x1b, the rest as \u0085: JSON text printed whole (which holds no raw C0) stays JSON.
    const code = char.charCodeAt(0);
    return code < 0x20
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
