import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDate, formatMoney } from "./locale_format.ts";

const SATURDAY = new Date("2026-11-28T09:05:00Z");

test("formatDate() writes a date as each content locale writes it", () => {
  const table: [Parameters<typeof formatDate>[2], string, string][] = [
    ["en", "Saturday 28 November", "2026-11-28"],
    ["de", "Samstag, 28. November", "28.11.2026"],
    ["es", "sábado 28 de noviembre", "28/11/2026"],
    ["fr", "samedi 28 novembre", "28/11/2026"],
  ];
  for (const [locale, long, numeric] of table) {
    assert.equal(formatDate(SATURDAY, "long", locale), long, locale);
    assert.equal(formatDate(SATURDAY, "iso", locale), numeric, locale);
  }
});

test("formatDate() keeps times and timestamps machine-readable in every locale", () => {
  assert.equal(formatDate(SATURDAY, "time", "de"), "09:05");
  assert.equal(formatDate(SATURDAY, "datetime", "fr"), "2026-11-28T09:05:00Z");
  assert.equal(formatDate(SATURDAY, "unix"), String(SATURDAY.getTime() / 1000) + ".000000");
  assert.equal(formatDate(new Date("2026-03-01T00:00:00Z"), "iso", "de"), "01.03.2026");
});

test("formatMoney() uses the locale's decimal comma and thousands grouping", () => {
  assert.equal(formatMoney(47.354), "47.35");
  assert.equal(formatMoney(1234.5), "1234.50"); // English amounts stay as they always were
  assert.equal(formatMoney(47.354, "de"), "47,35");
  assert.equal(formatMoney(1234.5, "de"), "1.234,50");
  assert.equal(formatMoney(1234.5, "es"), "1234,50"); // Spanish groups from five digits on
  assert.equal(formatMoney(12345.5, "es"), "12.345,50");
  assert.equal(formatMoney(1234.5, "fr"), "1\u202f234,50");
});
