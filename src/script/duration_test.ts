import { test } from "node:test";
import assert from "node:assert/strict";
import { formatMs, parseDuration, parseDurationRange } from "./duration.ts";

test("parseDuration() reads every unit and refuses anything else", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("14d"), 1_209_600_000);
  assert.equal(parseDuration("5"), undefined);
  assert.equal(parseDuration("fast"), undefined);
});

test("parseDurationRange() reads ranges and refuses reversed ones", () => {
  assert.deepEqual(parseDurationRange("200ms..1.5s"), { min: 200, max: 1500 });
  assert.deepEqual(parseDurationRange("3s"), { min: 3000, max: 3000 });
  assert.equal(parseDurationRange("2s..1s"), undefined);
  assert.equal(parseDurationRange("1s..2s..3s"), undefined);
});

test("formatMs() reads like a latency, and never shows 60 seconds", () => {
  assert.equal(formatMs(850), "850ms");
  assert.equal(formatMs(1240), "1.24s");
  assert.equal(formatMs(185_000), "3m 05s");
  assert.equal(formatMs(119_999), "2m 00s");
});
