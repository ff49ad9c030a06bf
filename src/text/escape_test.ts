import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeControls } from "./escape.ts";

const ATTACK = "\x1b]0;OWNED\x07\x1b[2J";

test("escapeControls() shows ESC, BEL and every other control character as a visible escape", () => {
  const cases: [string, string][] = [
    [ATTACK, "\\x1b]0;OWNED\\x07\\x1b[2J"],
    ["a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd"],
    ["\x00\x7f", "\\x00\\u007f"],
    ["8-bit CSI \x9b2J and NEL \x85", "8-bit CSI \\u009b2J and NEL \\u0085"],
    [
      "bidi \u202eevil\u202c and \u2066isolate\u2069",
      "bidi \\u202eevil\\u202c and \\u2066isolate\\u2069",
    ],
    ["line\u2028separator", "line\\u2028separator"],
    ["plain text, ümlauts and emoji 🚚 stay", "plain text, ümlauts and emoji 🚚 stay"],
  ];
  for (const [text, expected] of cases) assert.equal(escapeControls(text), expected, text);
});

test("escapeControls() keeps our line breaks and tabs, and SGR colours only when asked", () => {
  const ours = "\x1b[33m  ⚠ warning\x1b[0m\n\tnext line";
  assert.equal(escapeControls(ours, { newlines: true, colours: true }), ours);
  assert.equal(
    escapeControls(ours, { newlines: true }),
    "\\x1b[33m  ⚠ warning\\x1b[0m\n\tnext line",
  );
  // Colours kept, but no other sequence: a title, a screen clear, a cursor move.
  assert.equal(
    escapeControls(`\x1b[1mok\x1b[0m ${ATTACK}\x1b[H`, { newlines: true, colours: true }),
    "\x1b[1mok\x1b[0m \\x1b]0;OWNED\\x07\\x1b[2J\\x1b[H",
  );
});

test("escapeControls() leaves JSON printed whole valid JSON", () => {
  const json = JSON.stringify({ name: `${ATTACK}\u0085\u202e` });
  assert.deepEqual(JSON.parse(escapeControls(json)), { name: `${ATTACK}\u0085\u202e` });
});
