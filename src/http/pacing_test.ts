import { test } from "node:test";
import assert from "node:assert/strict";
import { Pacer, resetAtMs } from "./pacing.ts";

const NOW = Date.UTC(2026, 11, 3, 7, 40, 0);
const headers = (values: Record<string, string>) => new Headers(values);

test("resetAtMs() reads Langfuse's Date#toString(), ISO dates, epoch seconds and seconds from now", () => {
  const at = NOW + 30_000;
  // Date#toString() drops the milliseconds: the reset is at the latest the end of that second.
  assert.equal(
    resetAtMs("Thu Dec 03 2026 07:40:30 GMT+0000 (Coordinated Universal Time)", NOW),
    at + 1000,
  );
  assert.equal(resetAtMs(new Date(at + 400).toString(), NOW), at + 1000);
  assert.equal(resetAtMs(new Date(at).toISOString(), NOW), at);
  assert.equal(resetAtMs(String(at / 1000), NOW), at);
  assert.equal(resetAtMs(String(at), NOW), at);
  assert.equal(resetAtMs("30", NOW), at);
  assert.equal(resetAtMs("soon", NOW), undefined);
  assert.equal(resetAtMs(null, NOW), undefined);
});

test("a 429 closes its resource for Retry-After, and only that resource", () => {
  const pacer = new Pacer();
  const until = pacer.observe("public-api", 429, headers({ "retry-after": "12" }), NOW);
  assert.equal(until, NOW + 12_000);
  assert.equal(pacer.waitMs("public-api", NOW + 2_000), 10_000);
  assert.equal(pacer.waitMs("ingestion", NOW), 0);
  assert.equal(pacer.waitMs("public-api", NOW + 12_000), 0);
  assert.equal(pacer.closedUntil("public-api", NOW + 12_000), undefined);
});

test("a success announcing Remaining 0 closes the resource until Reset; other successes do not", () => {
  const pacer = new Pacer();
  const open = headers({ "x-ratelimit-remaining": "3", "x-ratelimit-reset": "5" });
  assert.equal(pacer.observe("ingestion", 200, open, NOW), undefined);
  assert.equal(pacer.waitMs("ingestion", NOW), 0);
  const spent = headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "5" });
  assert.equal(pacer.observe("ingestion", 207, spent, NOW), NOW + 5_000);
  assert.equal(pacer.waitMs("ingestion", NOW + 1_000), 4_000);
});

test("a 429 without Retry-After waits for Reset, or 1 s when it says neither", () => {
  const pacer = new Pacer();
  const reset = new Date(NOW + 7_000).toISOString();
  assert.equal(pacer.observe("a", 429, headers({ "x-ratelimit-reset": reset }), NOW), NOW + 7_000);
  assert.equal(pacer.observe("b", 429, headers({}), NOW), NOW + 1_000);
});
