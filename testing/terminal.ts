/** Test helper: whether text would reach a terminal with raw control characters. */

// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;
// Every C0 control but line feed and tab, DEL and the C1 controls.
// deno-lint-ignore no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

/**
 * The first raw control character in `text`, or undefined; with `colours`, our own SGR colour
 * sequences (`ESC [ … m`) are allowed.
 */
export function rawControl(text: string, colours = false): string | undefined {
  return RAW.exec(colours ? text.replace(SGR, "") : text)?.[0];
}
