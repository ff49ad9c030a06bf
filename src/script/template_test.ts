import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTemplate } from "./template.ts";

/** The error of a template, or "accepted". */
function problem(text: string): string {
  const parsed = parseTemplate(text);
  return "error" in parsed ? parsed.error : "accepted";
}

test("parseTemplate() accepts the documented templates, at their bounds", () => {
  for (
    const text of [
      "{{date +2d}}",
      "{{longdate -1d}}",
      "{{time +2h}}",
      "{{datetime -9h}}",
      "{{date +3650d}}",
      "{{pick DHL|UPS|DPD}}",
      "{{int 2..9}}",
      "{{int 0..9007199254740991}}",
      "{{money 10..90}}",
      "{{money 0.5..1000000000}}",
      "{{faker.location.city}}",
      "{{faker.string.uuid}}",
      "{{carrier}}",
      "{{sessionId}}",
    ]
  ) {
    assert.equal(problem(text), "accepted", text);
  }
});

test("parseTemplate() resolves only our own names, never an object's prototype", () => {
  for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) {
    const parsed = parseTemplate(`{{${name}}}`);
    // A plain name is a var (checked against the declared vars); nothing else, never a date.
    if ("error" in parsed) assert.match(parsed.error, /unknown template/, name);
    else assert.deepEqual(parsed, [{ kind: "var", name }], name);
  }
  assert.match(problem("{{__proto__ +1d}}"), /unknown template/);
  assert.match(problem("{{constructor +1d}}"), /unknown template/);
});

test("parseTemplate() takes only faker methods from the list: no arguments, text or a number out", () => {
  const cases: [string, RegExp][] = [
    ["{{faker.helpers.arrayElement}}", /not a faker method templates may use: .*modules are/],
    ["{{faker.helpers.maybe}}", /not a faker method templates may use/],
    ["{{faker.location.toString}}", /faker\.location has buildingNumber, city, /],
    ["{{faker.location.constructor}}", /faker\.location has /],
    ["{{faker.constructor.name}}", /not a faker method templates may use/],
    ["{{faker.__proto__.city}}", /not a faker method templates may use/],
    ["{{faker.date.past}}", /faker\.date has month, timeZone, weekday/],
    ["{{faker.datatype.boolean}}", /not a faker method templates may use/],
    ["{{faker.nope.city}}", /not a faker method templates may use/],
    ["{{faker.location.city.name}}", /not a faker method templates may use/],
    ["{{faker.location.city 3}}", /not a faker method templates may use/],
  ];
  for (const [text, message] of cases) assert.match(problem(text), message, text);
});

test("parseTemplate() refuses numbers beyond safe integers, money beyond a billion and offsets beyond ten years", () => {
  const cases: [string, RegExp][] = [
    ["{{int 1..99999999999999999999999}}", /must end at 9007199254740991 at most \(2\^53 - 1/],
    ["{{int 1..9007199254740992}}", /must end at 9007199254740991 at most/],
    ["{{int 1.5..3}}", /expected a range like \{\{int 2\.\.9\}\} \(whole numbers\)/],
    ["{{int 9..2}}", /expected a range like/],
    ["{{money 1..1000000000.01}}", /must end at 1000000000 at most/],
    ["{{time +99999999h}}", /the offset must be at most 3650d \(about ten years\)/],
    ["{{date -3651d}}", /the offset must be at most 3650d/],
  ];
  for (const [text, message] of cases) assert.match(problem(text), message, text);
});

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

test("an unknown locale or a locale on a whole number is an error that shows the right form", () => {
  assert.equal(
    problem("{{longdate +2d it}}"),
    "{{longdate +2d it}}: expected an offset like +2d or -3h, then optionally a locale " +
      "(en, de, es, fr)",
  );
  assert.equal(
    problem("{{int 2..9 de}}"),
    "{{int 2..9 de}}: expected a range like {{int 2..9}} (whole numbers)",
  );
  assert.equal(
    problem("{{money 20 de}}"),
    "{{money 20 de}}: expected a range like {{money 10..90}} or {{money 10..90 de}}",
  );
});
