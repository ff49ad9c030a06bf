import { test } from "node:test";
import assert from "node:assert/strict";
import { faker } from "@faker-js/faker/locale/en";
import { FAKER_METHODS, isFakerMethod } from "./faker_methods.ts";
import { ContentRenderer } from "../plan/content.ts";
import { Rng } from "../plan/random.ts";

const methods = Object.entries(FAKER_METHODS).flatMap(([module, names]) =>
  names.map((method) => ({ module, method }))
);

test("every listed faker method takes no arguments and gives text or a number", () => {
  const modules = faker as unknown as Record<string, Record<string, () => unknown>>;
  for (const { module, method } of methods) {
    for (let seed = 1; seed <= 20; seed++) {
      faker.seed(seed);
      const value = modules[module][method]();
      const ok = (typeof value === "string" && value !== "") ||
        (typeof value === "number" && Number.isFinite(value));
      assert.ok(ok, `faker.${module}.${method}() gave ${String(value)} (${typeof value})`);
    }
  }
});

test("every listed faker method renders in content as its text", () => {
  const renderer = new ContentRenderer(new Rng(7, "content"), Date.UTC(2026, 10, 20));
  for (const { module, method } of methods) {
    const text = renderer.renderString(`[{{faker.${module}.${method}}}]`, Date.UTC(2026, 10, 20));
    assert.doesNotMatch(
      String(text),
      /^\[(undefined|null|\[object \w+\]|)\]$/,
      `${module}.${method}`,
    );
  }
});

test("isFakerMethod() knows only the list, never a prototype's property", () => {
  assert.equal(isFakerMethod("location", "city"), true);
  for (
    const [module, method] of [
      ["helpers", "arrayElement"],
      ["helpers", "maybe"],
      ["location", "constructor"],
      ["location", "toString"],
      ["constructor", "name"],
      ["__proto__", "toString"],
      ["location", "__proto__"],
    ]
  ) {
    assert.equal(isFakerMethod(module, method), false, `${module}.${method}`);
  }
});
