import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeUtf8, TextFileError } from "./text_file.ts";

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(
    parts.flatMap((part) => typeof part === "string" ? [...new TextEncoder().encode(part)] : part),
  );

test("UTF-8 text decodes as it is, without a byte order mark", () => {
  assert.equal(decodeUtf8(bytes([0xef, 0xbb, 0xbf], "name: café"), "a.yaml"), "name: café");
});

test("a byte that is not UTF-8 is reported at its line and column, counted in characters", () => {
  const cases: [Uint8Array, number, number][] = [
    [bytes("a: 1\nb: café ", [0xff]), 2, 9],
    [bytes("x: ", [0xc3, 0x28]), 1, 4], // a lead byte without its continuation
    [bytes("x: ", [0xe2, 0x82]), 1, 4], // cut short at the end
    [bytes("x: ", [0xed, 0xa0, 0x80]), 1, 4], // an encoded surrogate
  ];
  for (const [input, line, column] of cases) {
    assert.throws(() => decodeUtf8(input, "a.yaml"), (error: unknown) => {
      assert.ok(error instanceof TextFileError);
      assert.equal(error.message, `a.yaml:${line}:${column}: is not UTF-8 text (save it as UTF-8)`);
      return true;
    });
  }
});
