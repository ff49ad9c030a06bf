import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTemplate } from "./template.ts";

test("a date or money template takes a content locale after its offset or range", () => {
  assert.deepEqual(parseTemplate("am {{longdate +2d de}}"), [
    "am ",
    { kind: "date", offsetMs: 2 * 86_400_000, format: "long", locale: "de" },
  ]);
  assert.deepEqual(parseTemplate("{{date fr}}"), [
    { kind: "date", offsetMs: 0, format: "iso", locale: "fr" },
  ]);
  assert.deepEqual(parseTemplate("{{money 20..90 es}} €"), [
    { kind: "money", min: 20, max: 90, locale: "es" },
    " €",
  ]);
  assert.deepEqual(parseTemplate("{{money 20..90}}"), [
    { kind: "money", min: 20, max: 90, locale: "en" },
  ]);
});

test("an unknown locale or a locale on a number is an error that shows the right form", () => {
  assert.deepEqual(parseTemplate("{{longdate +2d it}}"), {
    error: "{{longdate +2d it}}: expected an offset like +2d or -3h, then optionally a locale " +
      "(en, de, es, fr)",
  });
  assert.deepEqual(parseTemplate("{{int 2..9 de}}"), {
    error: "{{int 2..9 de}}: expected a range like {{int 2..9}}",
  });
  assert.deepEqual(parseTemplate("{{money 20 de}}"), {
    error: "{{money 20 de}}: expected a range like {{money 20..90}} or {{money 20..90 de}}",
  });
});
